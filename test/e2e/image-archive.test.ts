import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { cliArgv, cliEnvironment, runCli } from '../support/cli.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { testbedArchives, type TestbedArchives } from '../support/image-archive-testbed.js';

const SPEC = fileURLToPath(new URL('../../specs/debian-web-server.yaml', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'driftspec-archive-e2e-'));
/** The runs' own temporary directory, where their private unpacking directories must not remain. */
const temporary = join(work, 'tmp');
mkdirSync(temporary);
const cache = join(work, 'cache');

function leftBehind(): string[] {
  return readdirSync(temporary).filter((name) => name.startsWith('driftspec-archive-'));
}

function fileHash(path: string): string {
  const hash = createHash('sha256');
  const files = existsSync(join(path, 'index.json'))
    ? readdirSync(path, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name))
        .sort()
    : [path];
  for (const file of files) hash.update(file).update(readFileSync(file));
  return hash.digest('hex');
}

async function runSpec(target: string): Promise<HostResult> {
  const run = await runCli(['run', SPEC, '--format', 'json', '--target', target], cache, { TMPDIR: temporary });
  expect(run.stderr).not.to.match(/internal error/);
  return RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
}

describe('container image archives made from the golden image (oci:, docker-archive:)', function () {
  this.timeout(600_000);
  let archives: TestbedArchives;
  before(function () {
    if (!isRoot()) return requireInCi(this, 'the test-bed image and systemd-nspawn need root');
    archives = testbedArchives();
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('judge the bundled spec as the rootfs target does, check by check, and stay unchanged', async () => {
    const targets = [
      `oci:${archives.ociDirectory}`,
      `oci:${archives.ociTar}:driftspec-testbed:1`,
      `docker-archive:${archives.dockerArchive}`,
    ];
    const before = [archives.ociDirectory, archives.ociTar, archives.dockerArchive].map(fileHash);
    const rootfs = await runSpec(`rootfs:${archives.rootfs}`);
    expect(rootfs.status).to.equal('completed');
    for (const target of targets) {
      const image = await runSpec(target);
      expect(image).to.include({ target, status: 'completed', execCount: 1 });
      const differences = image.results.flatMap((result, index) => {
        const expected = rootfs.results[index]!;
        return result.checkId === expected.checkId &&
          result.status === expected.status &&
          result.message === expected.message
          ? []
          : [`${result.checkId} ${result.status} ${result.message} (rootfs: ${expected.status} ${expected.message})`];
      });
      expect(differences, target).to.deep.equal([]);
      expect(image.results.length).to.equal(rootfs.results.length);
      expect(leftBehind()).to.deep.equal([]);
    }
    expect([archives.ociDirectory, archives.ociTar, archives.dockerArchive].map(fileHash)).to.deep.equal(before);
  });

  it('are targets of an inventory, in one fleet beside the rootfs', async () => {
    const inventory = join(work, 'inventory.yaml');
    writeFileSync(
      inventory,
      `hosts:\n  image-dir:\n    url: rootfs:${archives.rootfs}\n  image-oci:\n    url: oci:${archives.ociTar}\n` +
        `  image-docker:\n    url: docker-archive:${archives.dockerArchive}:driftspec-testbed:1\n`,
    );
    const run = await runCli(['run', SPEC, '--inventory', inventory, '--format', 'json'], cache, { TMPDIR: temporary });
    const hosts = RunResultSchema.parse(JSON.parse(run.stdout)).hosts;
    expect(hosts.map((host) => [host.target, host.status])).to.deep.equal([
      [`rootfs:${archives.rootfs}`, 'completed'],
      [`oci:${archives.ociTar}`, 'completed'],
      [`docker-archive:${archives.dockerArchive}:driftspec-testbed:1`, 'completed'],
    ]);
    const statuses = hosts.map((host) => host.results.map((result) => `${result.checkId} ${result.status}`));
    expect(statuses[1]).to.deep.equal(statuses[0]);
    expect(statuses[2]).to.deep.equal(statuses[0]);
    expect(leftBehind()).to.deep.equal([]);
  });

  it('drift from the rootfs baseline: exactly what the second layer removed and added', async () => {
    const baseline = join(work, 'baseline.json');
    const snapshot = await runCli(['snapshot', `rootfs:${archives.rootfs}`, '--output', baseline], cache);
    expect(snapshot.code, snapshot.stderr).to.equal(0);
    const drift = await runCli(
      ['drift', '--baseline', baseline, `docker-archive:${archives.dockerArchive}`, '--format', 'json'],
      cache,
      { TMPDIR: temporary },
    );
    const report = JSON.parse(drift.stdout) as {
      hosts: { kinds: { kind: string; added: { key: string }[]; removed: { key: string }[]; changed: unknown[] }[] }[];
    };
    const files = report.hosts[0]!.kinds.find((kind) => kind.kind === 'files')!;
    expect(JSON.stringify(files.added)).to.contain(archives.added);
    expect(JSON.stringify(files.removed)).to.contain(archives.removed);
    expect([files.added.length, files.removed.length, files.changed.length]).to.deep.equal([1, 1, 0]);
    expect(leftBehind()).to.deep.equal([]);
  });

  it('leaves no unpacking directory behind when Ctrl-C interrupts the run', async () => {
    const [command, ...argv] = cliArgv(['run', SPEC, '--target', `docker-archive:${archives.dockerArchive}`]);
    const child = spawn(command!, argv, { env: cliEnvironment(cache, { TMPDIR: temporary }), stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const deadline = Date.now() + 60_000;
    while (leftBehind().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(leftBehind(), 'the run started unpacking').to.have.length(1);
    child.kill('SIGINT');
    expect(await exited).to.equal(130);
    expect(leftBehind()).to.deep.equal([]);
  });
});
