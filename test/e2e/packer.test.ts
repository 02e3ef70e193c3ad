import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { RunResultSchema } from '../../src/results/schema.js';
import { BIN, runCli } from '../support/cli.js';
import { isRoot, requireInCi } from '../support/environment.js';
import { hasPacker, PACKER_EXAMPLES, packerVars, runPacker } from '../support/packer.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';
import { hasXmllint, schemaErrors } from '../support/xmllint.js';

const LOOSEN = fileURLToPath(new URL('../fixtures/packer/loosen-candidate.sh', import.meta.url));
const BUILD_IMAGE = fileURLToPath(new URL('../testbed/build-image.sh', import.meta.url));
const BUNDLED_SPEC = fileURLToPath(new URL('../../specs/debian-web-server.yaml', import.meta.url));
const SHADOW_REASON = 'expected file /etc/shadow not to be more permissive than 0640, but its mode is 0644';
const PASSWORD_REASON = 'to print on stdout containing "\\npasswordauthentication no\\n"';

/** The first suite's directory for Packer's files, reports and snapshots; made in its before(). */
let work = '';

function requirePackerAndRoot(context: Mocha.Context): void {
  if (!hasPacker()) requireInCi(context, 'packer (Debian package packer)');
  else if (!isRoot()) requireInCi(context, 'Packer builds against booted instances and image roots need root');
}

/** The variables that point a template's null source and gate at an instance and this checkout. */
function instanceVars(instance: TestInstance, outputDir: string): Record<string, string | number> {
  return {
    ssh_host: instance.address,
    ssh_port: instance.port,
    ssh_username: 'root',
    ssh_private_key_file: instance.keyPath,
    known_hosts_file: instance.knownHostsPath,
    driftspec_command: BIN,
    output_dir: outputDir,
  };
}

function build(workDir: string, template: string, vars: Record<string, string | number | readonly string[]>) {
  return runPacker(['build', '-color=false', '-on-error=abort', ...packerVars(vars), template], workDir);
}

/** The gate script on its own, as a shell-local provisioner runs it: from the template directory. */
function runGate(env: Record<string, string>) {
  return spawnSync('sh', [join(PACKER_EXAMPLES, 'driftspec-gate.sh')], {
    cwd: PACKER_EXAMPLES,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NO_COLOR: '1', DRIFTSPEC_CACHE_DIR: join(work, 'driftspec-cache'), ...env },
  });
}

function runResult(outputDir: string) {
  return RunResultSchema.parse(JSON.parse(readFileSync(join(outputDir, 'driftspec-run.json'), 'utf8')));
}

function driftReport(outputDir: string) {
  return DriftReportSchema.parse(JSON.parse(readFileSync(join(outputDir, 'drift.json'), 'utf8')));
}

/** "<kind> <key>" of every item the report lists as added, removed or changed. */
function driftedItems(outputDir: string): string[] {
  return driftReport(outputDir).hosts.flatMap((host) =>
    host.kinds.flatMap((kind) =>
      [...kind.added, ...kind.removed, ...kind.changed].map((item) => `${kind.kind} ${item.key}`),
    ),
  );
}

function expectValidJunit(path: string): void {
  expect(existsSync(path), path).to.equal(true);
  if (hasXmllint()) expect(schemaErrors(path)).to.equal(null);
}

describe('Packer builds gated by driftspec (examples/packer)', function () {
  this.timeout(300_000);
  before(function () {
    requirePackerAndRoot(this);
    work = mkdtempSync(join(tmpdir(), 'driftspec-packer-'));
  });
  const bed = useTestbed({ base: 140, count: 2 });
  const baseline = () => join(work, 'last-good.json');

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('validates the HCL2 and JSON templates (the candidate ones with their example variable files)', async () => {
    const key = bed.instances[0]!.keyPath;
    const hcl = await runPacker(
      ['validate', '-var-file=candidate.pkrvars.hcl', `-var=ssh_private_key_file=${key}`, 'candidate.pkr.hcl'],
      work,
    );
    expect(hcl.log).to.equal('');
    expect(hcl.code).to.equal(0);
    const json = await runPacker(
      ['validate', '-var-file=candidate.vars.json', `-var=ssh_private_key_file=${key}`, 'candidate.json'],
      work,
    );
    expect(json.log).to.equal('');
    expect(json.code).to.equal(0);
    const rootfs = await runPacker(
      ['validate', '-var=image_root=/srv/root', '-var=capture_to=/srv/root.tar', 'rootfs-gate.pkr.hcl'],
      work,
    );
    expect(rootfs.log).to.equal('');
    expect(rootfs.code).to.equal(0);
    const rootfsJson = await runPacker(
      ['validate', '-var=image_root=/srv/root', '-var=capture_to=/srv/root.tar', 'rootfs-gate.json'],
      work,
    );
    expect(rootfsJson.log).to.equal('');
    expect(rootfsJson.code).to.equal(0);
  });

  it('refuses, when validating, an example variable file whose key file does not exist', async () => {
    for (const [varFile, template] of [
      ['candidate.pkrvars.hcl', 'candidate.pkr.hcl'],
      ['candidate.vars.json', 'candidate.json'],
    ]) {
      const run = await runPacker(['validate', `-var-file=${varFile}`, template!], work);
      expect(run.code, template).to.equal(1);
      expect(run.log).to.contain('ssh_private_key_file is invalid: stat keys/build_ed25519: no such file');
    }
  });

  it('builds a good candidate with the HCL2 template: the gate passes, its reports are the artifacts', async () => {
    const good = bed.instances[0]!;
    const reports = join(work, 'good-hcl');
    const run = await build(work, 'candidate.pkr.hcl', {
      ...instanceVars(good, reports),
      specs: ['image-gate.yaml', BUNDLED_SPEC],
      image_id: 'web-candidate-42',
    });
    expect(run.log).to.contain('driftspec gate: passed');
    expect(run.code, run.log).to.equal(0);
    expect(run.log).to.contain('Provisioning with shell script: provision/harden-sshd.sh');
    const result = runResult(reports);
    expect(result.hosts.map((host) => [host.target, host.status])).to.deep.equal([[good.url, 'completed']]);
    expect(result.hosts[0]!.counts.failed).to.equal(0);
    expect(result.hosts[0]!.results.filter((check) => check.status !== 'passed')).to.deep.equal([]);
    expectValidJunit(join(reports, 'driftspec-junit.xml'));
    expect(readFileSync(join(reports, 'driftspec-junit.xml'), 'utf8')).to.contain(
      '<property name="image.id" value="web-candidate-42"/>',
    );
    expect(readFileSync(join(reports, 'driftspec-report.html'), 'utf8')).to.contain('gate-sshd-01');
    expect(existsSync(join(reports, 'drift.json')), 'no baseline, no drift report').to.equal(false);
  });

  it('builds the same candidate with the JSON template, compared with the last good image: no drift', async () => {
    const good = bed.instances[0]!;
    const snapshot = await runCli(
      ['snapshot', good.url, '-i', good.keyPath, '--known-hosts', good.knownHostsPath, '-o', baseline()],
      join(work, 'driftspec-cache'),
    );
    expect(snapshot.code, snapshot.stderr).to.equal(0);
    const reports = join(work, 'good-json');
    // No known_hosts_file: the gate trusts the build instance's key on first contact, as Packer does.
    const { known_hosts_file: _trustedOnFirstContact, ...vars } = instanceVars(good, reports);
    const run = await build(work, 'candidate.json', { ...vars, drift_baseline: baseline() });
    expect(run.code, run.log).to.equal(0);
    expect(run.log).to.contain('no differences');
    expect(run.log).to.contain('driftspec gate: passed');
    expect(runResult(reports).hosts[0]!.counts.failed).to.equal(0);
    expect(driftReport(reports).hosts.map((host) => host.state)).to.deep.equal(['no-drift']);
    expectValidJunit(join(reports, 'drift-junit.xml'));
    expect(existsSync(join(reports, 'drift-report.html'))).to.equal(true);
  });

  it("fails the HCL2 build of a bad candidate, with driftspec's reasons in Packer's log", async () => {
    const bad = bed.instances[1]!;
    const reports = join(work, 'bad-hcl');
    const run = await build(work, 'candidate.pkr.hcl', {
      ...instanceVars(bad, reports),
      provision_scripts: ['provision/harden-sshd.sh', LOOSEN],
      drift_baseline: baseline(),
    });
    expect(run.code, run.log).to.equal(1);
    expectBadCandidateLog(run.log);
    expectBadCandidateReports(reports, ['gate-sshd-01#2 failed', 'gate-accounts-01#3 failed']);
    expect(bad.inContainer(['stat', '-c', '%a', '/etc/shadow']).trim()).to.equal('644');
  });

  it('fails the JSON build of a bad candidate the same way', async () => {
    const bad = bed.instances[1]!;
    await bed.stop(bad);
    await bed.start(bad, { wait: true });
    expect(bad.inContainer(['stat', '-c', '%a', '/etc/shadow']).trim(), 'a fresh instance').to.equal('640');
    const reports = join(work, 'bad-json');
    const run = await build(work, 'candidate.json', {
      ...instanceVars(bad, reports),
      provision_script: LOOSEN,
      drift_baseline: baseline(),
    });
    expect(run.code, run.log).to.equal(1);
    expectBadCandidateLog(run.log);
    // Without the hardening script X11 forwarding stays on, too.
    expectBadCandidateReports(reports, ['gate-sshd-01#2 failed', 'gate-sshd-01#5 failed', 'gate-accounts-01#3 failed']);
  });

  it('logs in with a key given as text (build.SSHPrivateKey of builders that make one) and leaves no copy', () => {
    const instance = bed.instances[0]!;
    const gateTemp = join(work, 'gate-tmp');
    mkdirSync(gateTemp);
    const reports = join(work, 'key-as-text');
    const gate = runGate({
      GATE_TARGET: instance.url,
      GATE_SSH_PRIVATE_KEY: readFileSync(instance.keyPath, 'utf8'),
      GATE_KNOWN_HOSTS: instance.knownHostsPath,
      GATE_SPECS: 'image-gate.yaml',
      GATE_OUTPUT_DIR: reports,
      GATE_DRIFTSPEC: BIN,
      TMPDIR: gateTemp,
      HOME: join(work, 'home-without-keys'),
    });
    expect(gate.status, gate.stderr).to.equal(0);
    expect(gate.stdout).to.contain('driftspec gate: passed');
    expect(runResult(reports).hosts[0]!.status).to.equal('completed');
    expect(readdirSync(gateTemp)).to.deep.equal([]);
  });

  it('refuses a target that is neither ssh:// nor rootfs:, and a missing target, with exit 78', () => {
    const common = { GATE_SPECS: 'image-gate.yaml', GATE_OUTPUT_DIR: join(work, 'never-written'), GATE_DRIFTSPEC: BIN };
    const other = runGate({ ...common, GATE_TARGET: 'local' });
    expect(other.stderr).to.equal('driftspec gate: GATE_TARGET local: expected ssh://USER@HOST:PORT or rootfs:/path\n');
    expect(other.status).to.equal(78);
    const missing = runGate(common);
    expect(missing.stderr).to.contain('GATE_TARGET is empty');
    expect(missing.status).to.equal(78);
    expect(existsSync(common.GATE_OUTPUT_DIR)).to.equal(false);
  });

  it('ends the build with exit 78 and the reason when the gate is given a spec that does not exist', async () => {
    const reports = join(work, 'missing-spec');
    const run = await build(work, 'candidate.pkr.hcl', {
      ...instanceVars(bed.instances[0]!, reports),
      specs: ['image-gate.yaml', 'no-such-spec.yaml'],
    });
    expect(run.code).to.equal(1);
    expect(run.log).to.contain('driftspec gate: spec file no-such-spec.yaml (in GATE_SPECS) does not exist');
    expect(run.log).to.contain('Script exited with non-zero exit status: 78');
    expect(existsSync(reports), 'nothing written').to.equal(false);
  });
});

function expectBadCandidateLog(log: string): void {
  expect(log).to.contain(SHADOW_REASON);
  expect(log).to.contain(PASSWORD_REASON);
  expect(log).to.contain('2 failed high controls (gate-sshd-01, gate-accounts-01)');
  expect(log).to.contain('driftspec gate: the candidate did not pass (driftspec run exited 1)');
  expect(log).to.contain('Script exited with non-zero exit status: 1');
  expect(log).to.contain('Builds finished but no artifacts were created');
}

function expectBadCandidateReports(reports: string, notPassed: readonly string[]): void {
  const host = runResult(reports).hosts[0]!;
  expect(
    host.results.filter((check) => check.status !== 'passed').map((check) => `${check.checkId} ${check.status}`),
  ).to.deep.equal(notPassed);
  const junit = join(reports, 'driftspec-junit.xml');
  expectValidJunit(junit);
  expect(readFileSync(junit, 'utf8')).to.contain('/etc/shadow');
  expect(driftedItems(reports)).to.include.members([
    'files /etc/shadow',
    'files /etc/ssh/sshd_config',
    'files /etc/ssh/sshd_config.d/00-password-login.conf',
  ]);
}

describe('the chroot-style Packer flow: an image root checked as rootfs: before capture', function () {
  this.timeout(300_000);
  let roots = '';
  let golden = '';

  before(async function () {
    requirePackerAndRoot(this);
    roots = mkdtempSync(join(tmpdir(), 'driftspec-packer-rootfs-'));
    golden = lastLine(execFileSync('bash', [BUILD_IMAGE]));
  });

  after(() => {
    if (roots) rmSync(roots, { recursive: true, force: true });
  });

  function copyOfGoldenRoot(name: string): string {
    const root = join(roots, name);
    execFileSync('cp', ['-a', golden, root]);
    return root;
  }

  it('captures a root that passes the gate, with the HCL2 and the JSON template', async () => {
    // Blanks and quotes in the paths reach the shell steps as data, never as shell text.
    const root = copyOfGoldenRoot('good root copy');
    for (const template of ['rootfs-gate.pkr.hcl', 'rootfs-gate.json']) {
      const capture = join(roots, `the image's capture (${template}).tar`);
      const reports = join(roots, `the image's reports (${template})`);
      const run = await build(roots, template, {
        image_root: root,
        capture_to: capture,
        driftspec_command: BIN,
        output_dir: reports,
      });
      expect(run.code, run.log).to.equal(0);
      expect(run.log).to.contain(`rootfs:${root} (Debian GNU/Linux 12 (bookworm))`);
      expect(runResult(reports).hosts[0]!.counts.failed).to.equal(0);
      expectValidJunit(join(reports, 'driftspec-junit.xml'));
      const listing = execFileSync('tar', ['-tf', capture], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(listing).to.contain('./etc/ssh/sshd_config.d/01-image-hardening.conf\n');
      expect(existsSync(`${capture}.partial`)).to.equal(false);
    }
  });

  for (const [template, provisioning] of [
    ['rootfs-gate.pkr.hcl', { provision_scripts: ['provision/harden-sshd.sh', LOOSEN] }],
    ['rootfs-gate.json', { provision_script: LOOSEN }],
  ] as const) {
    it(`fails the build and captures nothing when the root does not pass (${template})`, async () => {
      const root = copyOfGoldenRoot(`bad ${template}`);
      const capture = join(roots, `bad ${template}.tar`);
      const reports = join(roots, `bad ${template} reports`);
      const run = await build(roots, template, {
        image_root: root,
        capture_to: capture,
        ...provisioning,
        driftspec_command: BIN,
        output_dir: reports,
      });
      expect(run.code, run.log).to.equal(1);
      expect(run.log).to.contain(SHADOW_REASON);
      expect(run.log).to.contain(PASSWORD_REASON);
      expect(run.log).to.contain('driftspec gate: the candidate did not pass (driftspec run exited 1)');
      expect(existsSync(capture)).to.equal(false);
      expect(existsSync(`${capture}.partial`)).to.equal(false);
      expectValidJunit(join(reports, 'driftspec-junit.xml'));
      rmSync(root, { recursive: true, force: true });
    });
  }
});

function lastLine(output: Buffer): string {
  const line = output.toString().trim().split('\n').pop();
  if (!line) throw new Error('build-image.sh printed no root filesystem path');
  return line;
}
