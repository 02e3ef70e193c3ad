import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { lookupMatcher, lookupResource } from '../../src/plan/build.js';
import { createRegistry } from '../../src/resources/index.js';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { useTestbed } from '../support/testbed.js';

const SPEC = fileURLToPath(new URL('../../specs/debian-web-server.yaml', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'driftspec-rootfs-'));
const registry = createRegistry();

/** The tree's metadata (path, type, mode, owner, size, mtime, link target) and a few files' content. */
function imageHash(root: string): string {
  const listing = execFileSync('find', [root, '-xdev', '-printf', '%P %y %m %U %G %s %T@ %l\\n'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const hash = createHash('sha256').update(listing);
  for (const path of ['etc/passwd', 'etc/shadow', 'etc/group', 'var/lib/dpkg/status', 'etc/ssh/sshd_config'])
    hash.update(readFileSync(join(root, path)));
  return hash.digest('hex');
}

async function runSpec(target: string, extra: string[] = []): Promise<{ code: number | null; host: HostResult }> {
  const run = await runCli(['run', SPEC, '--format', 'json', '--target', target, ...extra], join(work, 'cache'));
  const result = RunResultSchema.parse(JSON.parse(run.stdout));
  return { code: run.code, host: result.hosts[0]! };
}

function needsRunningSystem(result: { resource: string; matcher: string }): boolean {
  return lookupMatcher(lookupResource(registry, result.resource), result.matcher).needsRunningSystem === true;
}

describe('an image root checked without booting it (rootfs:)', function () {
  this.timeout(180_000);
  const bed = useTestbed({ base: 160, count: 1 });
  const rootfs = () => join(dirname(bed.instances[0]!.keyPath), 'rootfs');

  it('judges the bundled spec as the booted instance does, running state not applicable', async () => {
    const root = rootfs();
    const before = imageHash(root);
    const instance = bed.instances[0]!;
    const booted = await runSpec(instance.url, [
      '--identity',
      instance.keyPath,
      '--known-hosts',
      instance.knownHostsPath,
    ]);
    const image = await runSpec(`rootfs:${root}`);
    expect(image.code).to.equal(0);
    expect(image.host).to.include({ target: `rootfs:${root}`, status: 'completed', execCount: 1 });
    const bootedById = new Map(booted.host.results.map((r) => [r.checkId, r]));
    const disagreements = image.host.results.flatMap((r) => {
      const expected = needsRunningSystem(r) ? 'not-applicable' : bootedById.get(r.checkId)?.status;
      return r.status === expected ? [] : [`${r.checkId} ${r.status} (expected ${expected}): ${r.message}`];
    });
    expect(disagreements).to.deep.equal([]);
    expect(image.host.results.map((r) => r.checkId)).to.deep.equal(booted.host.results.map((r) => r.checkId));
    const notApplicable = image.host.results.filter((r) => r.status === 'not-applicable');
    expect(notApplicable.map((r) => `${r.resource} ${r.matcher}`)).to.include.members([
      'service running',
      'port listening',
      'process running',
      'mount mounted',
    ]);
    expect(new Set(notApplicable.map((r) => r.message))).to.deep.equal(new Set(['not applicable: image not booted']));
    expect(image.host.counts['not-applicable']).to.equal(notApplicable.length);
    expect(imageHash(root)).to.equal(before);
  });

  it('snapshots the image without booting it and leaves it unchanged', async () => {
    const root = rootfs();
    const before = imageHash(root);
    const output = join(work, 'image.json');
    const run = await runCli(['snapshot', `rootfs:${root}`, '--output', output], join(work, 'cache'));
    expect(run.code, run.stderr).to.equal(0);
    expect(existsSync(output)).to.equal(true);
    const snapshot = JSON.parse(readFileSync(output, 'utf8')) as {
      target: string;
      complete: boolean;
      packages: { name: string }[];
      users: { name: string }[];
    };
    expect(snapshot).to.include({ target: `rootfs:${root}`, complete: true });
    expect(snapshot.packages.map((p) => p.name)).to.include.members(['nginx', 'openssh-server']);
    expect(snapshot.users.map((u) => u.name)).to.include('www-data');
    expect(imageHash(root)).to.equal(before);
  });
});
