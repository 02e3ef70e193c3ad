import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { lookupMatcher, lookupResource } from '../../src/plan/build.js';
import { createRegistry } from '../../src/resources/index.js';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { SnapshotSchema } from '../../src/drift/snapshot-schema.js';
import { runCli, stderrBesideProgress } from '../support/cli.js';
import { connection, differences, NEXT_IMAGE, NEXT_IMAGE_DIFFERENCES } from '../support/drift-e2e.js';
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

/**
 * Checks the bundled spec leaves out and an image answers from its files: units without an init
 * script, an alias, a masked and a disabled unit, and kernel parameters the image configures.
 */
const IMAGE_FACTS_SPEC = `spec: image-facts
version: 1.0.0
title: What an image configures
controls:
  - id: units
    title: Units read from their unit files
    checks:
      - service: e2scrub_reap
        enabled: true
      - service: sshd
        enabled: true
      - service: getty@tty1
        enabled: true
      - service: sudo
        masked: true
      - service: systemd-networkd
        enabled: false
      - service: no-such-unit
        installed: false
  - id: sysctl
    title: Kernel parameters the image configures
    checks:
      - kernel_parameter: kernel.pid_max
        value: 4194304
      - kernel_parameter: fs.protected_regular
        value: 2
`;

async function runSpec(
  target: string,
  extra: string[] = [],
  spec = SPEC,
): Promise<{ code: number | null; host: HostResult }> {
  const run = await runCli(['run', spec, '--format', 'json', '--target', target, ...extra], join(work, 'cache'));
  const result = RunResultSchema.parse(JSON.parse(run.stdout));
  return { code: run.code, host: result.hosts[0]! };
}

/** `driftspec snapshot TARGET` into `output`; it must succeed. */
async function snapshot(target: string, output: string, extra: string[] = []): Promise<void> {
  const run = await runCli(['snapshot', target, ...extra, '--output', output], join(work, 'cache'));
  expect(run.code, run.stderr).to.equal(0);
}

/** `driftspec drift BASELINE CANDIDATE` with `reporter` on stdout: its output and its JSON report's host. */
async function drift(baseline: string, candidate: string, reporter: string) {
  const json = join(work, `drift-${Math.random().toString(36).slice(2)}.json`);
  const run = await runCli(['drift', baseline, candidate, '-r', reporter, '-r', `json:${json}`], join(work, 'cache'));
  expect(stderrBesideProgress(run.stderr)).to.equal('');
  return { stdout: run.stdout, host: DriftReportSchema.parse(JSON.parse(readFileSync(json, 'utf8'))).hosts[0]! };
}

/** The golden image with other packages (test/testbed/build-variant-image.sh, cached): its root path. */
function variantRootfs(golden: string): string {
  const changes = [
    ...(NEXT_IMAGE.install ?? []).flatMap((name) => ['--install', name]),
    ...(NEXT_IMAGE.purge ?? []).flatMap((name) => ['--purge', name]),
  ];
  const script = fileURLToPath(new URL('../testbed/build-variant-image.sh', import.meta.url));
  const output = execFileSync(script, [golden, ...changes], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return output.trim().split('\n').pop()!;
}

function needsRunningSystem(result: { resource: string; matcher: string }): boolean {
  return lookupMatcher(lookupResource(registry, result.resource), result.matcher).needsRunningSystem === true;
}

describe('an image root checked without booting it (rootfs:)', function () {
  this.timeout(180_000);
  const bed = useTestbed({ base: 160, count: 1 });
  const rootfs = () => join(dirname(bed.instances[0]!.keyPath), 'rootfs');
  after(() => rmSync(work, { recursive: true, force: true }));

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
    // The golden image configures none of the spec's kernel parameters: the kernel's defaults apply.
    const expectedOnImage = (r: HostResult['results'][number]) =>
      needsRunningSystem(r) || r.resource === 'kernel_parameter' ? 'not-applicable' : bootedById.get(r.checkId)?.status;
    const disagreements = image.host.results.flatMap((r) => {
      const expected = expectedOnImage(r);
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
    expect(new Set(notApplicable.map((r) => r.message))).to.deep.equal(
      new Set([
        'not applicable: image not booted',
        "not applicable: not configured in the image: the kernel's default applies at boot",
      ]),
    );
    expect(
      notApplicable.filter((r) => r.resource === 'kernel_parameter').every((r) => r.message.includes('not configured')),
    ).to.equal(true);
    expect(image.host.counts['not-applicable']).to.equal(notApplicable.length);
    expect(imageHash(root)).to.equal(before);
  });

  it('reads units from unit files as the booted instance sees them, and configured kernel parameters', async () => {
    const root = rootfs();
    const before = imageHash(root);
    const spec = join(work, 'image-facts.yaml');
    writeFileSync(spec, IMAGE_FACTS_SPEC);
    const instance = bed.instances[0]!;
    const booted = await runSpec(
      instance.url,
      ['--identity', instance.keyPath, '--known-hosts', instance.knownHostsPath],
      spec,
    );
    const image = await runSpec(`rootfs:${root}`, [], spec);
    expect(image.host.host).to.include({ initSystem: 'systemd', booted: false });
    const units = (host: HostResult) =>
      host.results.filter((r) => r.resource === 'service').map((r) => `${r.subject} ${r.matcher} ${r.status}`);
    expect(units(image.host)).to.deep.equal(units(booted.host));
    expect(units(image.host).every((line) => line.endsWith(' passed'))).to.equal(true);
    // The test bed's instances share the build machine's kernel, whose /proc/sys is not what the
    // image configures: configured values are checked against the image's own files.
    const sysctl = image.host.results.filter((r) => r.resource === 'kernel_parameter');
    expect(sysctl.map((r) => `${r.status}: ${r.message}`)).to.deep.equal([
      'passed: kernel parameter kernel.pid_max should have value 4194304 ' +
        '(configured in the image by /usr/lib/sysctl.d/50-pid-max.conf line 16)',
      'passed: kernel parameter fs.protected_regular should have value 2 ' +
        '(configured in the image by /usr/lib/sysctl.d/99-protect-links.conf line 9)',
    ]);
    expect(image.code).to.equal(0);
    expect(imageHash(root)).to.equal(before);
  });

  it('checks a root whose path nspawn cannot use (a comma, a quote) through a private read-only bind', async () => {
    const odd = join(work, "image,v2 'next'");
    mkdirSync(odd);
    execFileSync('mount', ['--bind', '-o', 'ro', rootfs(), odd]);
    const runTmp = join(work, 'bind-tmp');
    mkdirSync(runTmp);
    try {
      const plain = await runSpec(`rootfs:${rootfs()}`);
      const run = await runCli(['run', SPEC, '--format', 'json', '--target', `rootfs:${odd}`], join(work, 'cache'), {
        TMPDIR: runTmp,
      });
      const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
      expect(host).to.include({ target: `rootfs:${odd}`, status: 'completed' });
      expect(run.code, run.stderr).to.equal(plain.code);
      expect(host.results.map((r) => `${r.checkId} ${r.status}`)).to.deep.equal(
        plain.host.results.map((r) => `${r.checkId} ${r.status}`),
      );
      expect(readdirSync(runTmp), 'the private bind is unbound and removed').to.deep.equal([]);
      expect(
        execFileSync('findmnt', ['--list', '--noheadings', '--output', 'TARGET'], { encoding: 'utf8' }),
      ).to.not.include(runTmp);
    } finally {
      execFileSync('umount', [odd]);
    }
  });

  it('snapshots what the image holds and configures, without booting it, and leaves it unchanged', async () => {
    const root = rootfs();
    const before = imageHash(root);
    const output = join(work, 'image.json');
    const run = await runCli(['snapshot', `rootfs:${root}`, '--output', output], join(work, 'cache'));
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.include('not booted: what the image holds and configures');
    expect(existsSync(output)).to.equal(true);
    const recorded = SnapshotSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(recorded).to.include({ target: `rootfs:${root}`, complete: true });
    expect(recorded.host.booted).to.equal(false);
    expect(recorded.kinds).to.deep.equal([
      'packages',
      'services',
      'users',
      'groups',
      'kernelParameters',
      'sshdSettings',
      'kernelModules',
      'cronEntries',
      'systemdTimers',
      'files',
    ]);
    expect(recorded.listeners).to.deep.equal([]);
    expect(recorded.mounts).to.deep.equal([]);
    expect(recorded.packages.map((p) => p.name)).to.include.members(['nginx', 'openssh-server']);
    expect(recorded.users.map((u) => u.name)).to.include('www-data');
    // The values the image's sysctl.d files set, not the build machine's /proc/sys.
    expect(recorded.kernelParameters).to.deep.equal({
      'fs.protected_fifos': '1',
      'fs.protected_hardlinks': '1',
      'fs.protected_regular': '2',
      'fs.protected_symlinks': '1',
      'kernel.pid_max': '4194304',
    });
    const services = new Map(recorded.services.map((s) => [s.name, s]));
    expect(services.get('ssh')).to.deep.equal({ name: 'ssh', enabled: 'enabled', active: null, sub: null });
    expect(services.get('e2scrub_reap')).to.include({ enabled: 'enabled' });
    expect(services.get('sudo')).to.include({ enabled: 'masked' });
    expect(recorded.services.every((s) => s.active === null && s.sub === null)).to.equal(true);
    expect(imageHash(root)).to.equal(before);
  });

  it('drifts the image against its booted instance: only what both hold, unit enablement the same', async () => {
    const root = rootfs();
    const instance = bed.instances[0]!;
    const files = { image: join(work, 'image-baseline.json'), booted: join(work, 'booted.json') };
    await snapshot(`rootfs:${root}`, files.image);
    await snapshot(instance.url, files.booted, connection(instance));
    const { stdout, host } = await drift(files.image, files.booted, 'markdown');
    expect(host.kinds.map((k) => `${k.kind} ${k.compared}`)).to.include.members([
      'listeners none',
      'mounts none',
      'kernelParameters none',
      'services all',
      'packages all',
    ]);
    expect(host.kindNotes!.map((note) => `${note.kind} ${note.compared}`)).to.deep.equal([
      'services true',
      'listeners false',
      'kernelParameters false',
      'mounts false',
      'kernelModules true',
      'interfaces false',
      'routes false',
      'iptablesChains false',
      'nftablesChains false',
      'securityModules false',
    ]);
    expect(stdout).to.include('**kinds of an image that was not booted**');
    // What the image's unit files enable is what the booted instance has, but for what only a
    // running system has (docs/images.md, known limits): template instances it loaded (getty@tty1)
    // and enablement generators made at boot under /run (`enabled-runtime`, for a container).
    const services = host.kinds.find((k) => k.kind === 'services')!;
    expect(services.removed.map((c) => c.key)).to.deep.equal([]);
    expect(services.added.filter((c) => !c.key.includes('@')).map((c) => c.key)).to.deep.equal([]);
    const changes = services.changed.flatMap((c) => c.changes.map((change) => `${change.attribute} ${change.new}`));
    expect(changes.filter((change) => !change.endsWith('-runtime'))).to.deep.equal([]);
    const packages = host.kinds.find((k) => k.kind === 'packages')!;
    expect([...packages.added, ...packages.removed, ...packages.changed]).to.deep.equal([]);
  });

  it('drifts one image against another without booting either: exactly the package differences', async () => {
    const golden = rootfs();
    const next = variantRootfs(golden);
    const [goldenHash, nextHash] = [imageHash(golden), imageHash(next)];
    const files = { golden: join(work, 'golden-image.json'), next: join(work, 'next-image.json') };
    await snapshot(`rootfs:${golden}`, files.golden);
    await snapshot(`rootfs:${next}`, files.next);
    const { stdout, host } = await drift(files.golden, files.next, 'cli');
    expect(differences(host).sort()).to.deep.equal([...NEXT_IMAGE_DIFFERENCES].sort());
    expect(host.notCompared).to.deep.equal([]);
    expect(host.state).to.equal('drift');
    expect(host.kinds.map((k) => `${k.kind} ${k.compared}`)).to.include.members([
      'listeners none',
      'mounts none',
      'kernelParameters all',
    ]);
    expect(stdout).to.include('kinds of an image that was not booted');
    expect([imageHash(golden), imageHash(next)]).to.deep.equal([goldenHash, nextHash]);
  });
});
