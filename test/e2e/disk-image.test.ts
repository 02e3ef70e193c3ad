import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { RunResultSchema, type HostResult } from '../../src/results/schema.js';
import { BIN, cliEnvironment, runCli } from '../support/cli.js';
import { isRoot, requireInCi } from '../support/environment.js';

const SPEC = fileURLToPath(new URL('../../specs/debian-web-server.yaml', import.meta.url));
const TESTBED = fileURLToPath(new URL('../testbed/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'driftspec-disk-e2e-'));

function lastLine(output: string): string {
  return output.trim().split('\n').at(-1)!;
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

async function runSpec(spec: string, target: string, env: NodeJS.ProcessEnv = {}) {
  const run = await runCli(['run', spec, '--format', 'json', '--target', target], join(work, 'cache'), env);
  const result = RunResultSchema.parse(JSON.parse(run.stdout));
  return { code: run.code, stderr: run.stderr, host: result.hosts[0]! as HostResult };
}

const NSPAWN_PROPAGATE = '/run/systemd/nspawn/propagate';
const nspawnPropagateDirectories = () =>
  existsSync(NSPAWN_PROPAGATE) ? readdirSync(NSPAWN_PROPAGATE).filter((n) => n.startsWith('driftspec-')) : [];
/** Loop devices on the disk, one line each; another run of the same cached disk may hold some of its own. */
const attachedLoops = (disk: string) =>
  execFileSync('losetup', ['--associated', disk], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(':')[0]!)
    .filter((device) => device !== '');
const newLoops = (disk: string, before: readonly string[]) =>
  attachedLoops(disk).filter((device) => !before.includes(device));
const mountsUnder = (directory: string) =>
  execFileSync('findmnt', ['--list', '--noheadings', '--output', 'TARGET'], { encoding: 'utf8' })
    .split('\n')
    .filter((target) => target.startsWith(directory));

describe('a raw disk image checked read-only (disk:)', function () {
  this.timeout(300_000);
  let rootfs: string;
  let disk: string;

  before(function () {
    this.timeout(1_800_000);
    if (!isRoot()) return requireInCi(this, 'the test disk is built and mounted as root');
    rootfs = lastLine(
      execFileSync(join(TESTBED, 'build-image.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
    );
    disk = lastLine(
      execFileSync(join(TESTBED, 'build-disk-image.sh'), [rootfs], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('judges the bundled spec as the rootfs: target of the same tree does, check by check, unchanged', async () => {
    const before = await sha256(disk);
    const fromTree = await runSpec(SPEC, `rootfs:${rootfs}`);
    const loopsBefore = attachedLoops(disk);
    const fromDisk = await runSpec(SPEC, `disk:${disk}`);
    expect(fromDisk.host).to.include({ target: `disk:${disk}`, status: 'completed', execCount: 1 });
    expect(fromDisk.code).to.equal(fromTree.code);
    const judged = (host: HostResult) => host.results.map((r) => `${r.checkId} ${r.status}: ${r.message}`);
    expect(judged(fromDisk.host)).to.deep.equal(judged(fromTree.host));
    expect(fromDisk.host.counts).to.deep.equal(fromTree.host.counts);
    expect(fromDisk.host.counts.passed).to.be.greaterThan(0);
    expect(newLoops(disk, loopsBefore)).to.deep.equal([]);
    expect(await sha256(disk)).to.equal(before);
  });

  it('sees the files of the /boot partition that the root’s fstab names', async () => {
    const spec = join(work, 'boot.yaml');
    writeFileSync(
      spec,
      [
        'spec: disk-boot',
        'checks:',
        '  - file: /boot/driftspec-boot-partition',
        '    content: { contains: on the boot partition of the driftspec test disk }',
        '',
      ].join('\n'),
    );
    const before = await sha256(disk);
    const run = await runSpec(spec, `disk:${disk}`);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.host.results.map((r) => r.status)).to.deep.equal(['passed']);
    expect(await sha256(disk)).to.equal(before);
  });

  it('unmounts, detaches and removes its directory when SIGINT ends the run during the probe', async () => {
    const spec = join(work, 'slow.yaml');
    // A command text of its own, so that no other process on the machine is taken for the probe.
    const slowCommand = `sleep 60 # ${randomBytes(6).toString('hex')}`;
    writeFileSync(spec, `spec: slow\nchecks:\n  - command: '${slowCommand}'\n    exitStatus: 0\n`);
    // A private TMPDIR, so that the run's work directory can be looked for and found gone.
    const runTmp = join(work, 'tmp');
    mkdirSync(runTmp);
    const before = await sha256(disk);
    const nspawnStateBefore = nspawnPropagateDirectories();
    const loopsBefore = attachedLoops(disk);
    const child = spawn(process.execPath, [BIN, 'run', spec, '--target', `disk:${disk}`], {
      env: cliEnvironment(join(work, 'cache'), { TMPDIR: runTmp }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let probing = false;
    for (let waited = 0; waited < 60_000 && !probing; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      probing = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(slowCommand);
    }
    expect(probing, `the probe never started: ${stderr}`).to.equal(true);
    expect(mountsUnder(runTmp)).to.have.length(2);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).to.equal(130);
    expect(mountsUnder(runTmp)).to.deep.equal([]);
    expect(newLoops(disk, loopsBefore)).to.deep.equal([]);
    expect(readdirSync(runTmp)).to.deep.equal([]);
    expect(stderr).to.not.match(/left behind/);
    expect(await sha256(disk)).to.equal(before);
    // nspawn is given a SIGTERM first, so it removes its own state under /run.
    expect(nspawnPropagateDirectories().filter((n) => !nspawnStateBefore.includes(n))).to.deep.equal([]);
  });
});
