import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { renderCliReport } from '../../reporters/cli.js';
import { renderHtmlReport } from '../../reporters/html/run.js';
import { renderJsonReport } from '../../reporters/json.js';
import { renderJunitReport } from '../../reporters/junit.js';
import { renderMarkdownReport } from '../../reporters/markdown.js';
import { ROOT } from '../../bench/lib/commands.js';
import {
  FleetSimulator,
  makeSimKeys,
  ProbeRecordings,
  runProbeHere,
  runSampled,
  writeInventory,
} from '../../bench/sim/sweep.js';
import { decideVerdict } from '../../src/gate/verdict.js';
import { RunResultSchema, type RunResult } from '../../src/results/schema.js';
import { BIN, cliEnvironment, type CliRun } from '../support/cli.js';
import { requireXmllint, schemaErrors } from '../support/xmllint.js';

const SPEC = `spec: spooled
version: 1.0.0
controls:
  - id: files-01
    impact: medium
    checks:
      - file: /etc/passwd
        exists: true
      - file: /nonexistent/driftspec-spool-test
        exists: true
  - id: users-01
    impact: high
    checks:
      - user: root
        exists: true
`;

const HOSTS = 300;

/**
 * The CLI with SIGINT sent `first` ms after `sweeping()` first held (its spool is made before the
 * first host is tried), and again `second` ms later when given.
 */
function interruptedWhileSweeping(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  sweeping: () => boolean,
  signals: { first: number; second?: number },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const started = setInterval(() => {
      if (!sweeping()) return;
      clearInterval(started);
      setTimeout(() => {
        child.kill('SIGINT');
        if (signals.second !== undefined) setTimeout(() => child.kill('SIGINT'), signals.second);
      }, signals.first);
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(started);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('spooled hosts: a few hundred simulated hosts through the CLI', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-spool-'));
  const cacheDir = join(dir, 'cache');
  const keys = makeSimKeys(dir);
  const recordings = new ProbeRecordings(runProbeHere);
  const simulator = new FleetSimulator({
    hostKey: keys.hostKey,
    clientPublicKey: keys.clientPublicKey,
    latencyMs: 5,
    answer: (script) => recordings.answer(script),
  });
  const at = (name: string) => join(dir, name);
  /** A TMPDIR of the run's own, so that nothing of its spool can be found there, during the run or after it. */
  const privateTmp = (name: string) => {
    const path = at(name);
    mkdirSync(path);
    return path;
  };
  const sweep = (inventory: string) => [
    'run',
    at('spec.yaml'),
    '--inventory',
    at(inventory),
    '--host-key',
    keys.hostKeyFingerprint,
    '--no-ssh-config',
    '--connect-timeout',
    '30',
    '--concurrency',
    '8',
    '--no-progress',
  ];

  before(async () => {
    const ports = await simulator.listen();
    writeInventory(at('fleet.yaml'), { hosts: HOSTS, refused: 6, silent: 0 }, ports, keys);
    writeInventory(at('small.yaml'), { hosts: 20, refused: 1, silent: 0 }, ports, keys);
    writeInventory(at('hung.yaml'), { hosts: 40, refused: 0, silent: 20 }, ports, keys);
    writeFileSync(at('spec.yaml'), SPEC);
    await sweepSmallAndLarge();
  });
  after(async () => {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let reports: Record<'json' | 'junit' | 'markdown' | 'html' | 'cli', string> | undefined;
  let fds: { small: number; large: number } | undefined;

  /** 20 hosts, then 300 with every report, each run with a TMPDIR of its own. */
  async function sweepSmallAndLarge(): Promise<void> {
    const tmp = privateTmp('tmp-large');
    const files = {
      junit: at('junit.xml'),
      markdown: at('summary.md'),
      html: at('report.html'),
      cli: at('report.txt'),
    };
    const toFiles = Object.entries(files).flatMap(([name, path]) => ['--reporter', `${name}:${path}`]);
    const env = cliEnvironment(cacheDir, { TMPDIR: tmp });
    const small = await runSampled([...sweep('small.yaml'), '--format', 'json'], ROOT, 25, 120_000, env);
    const large = await runSampled([...sweep('fleet.yaml'), '--reporter', 'json', ...toFiles], ROOT, 25, 240_000, env);
    expect(large.exitCode, large.stderr).to.equal(2);
    expect(readdirSync(tmp), 'the spool folder is gone after the run').to.deep.equal([]);
    fds = { small: small.endFds, large: large.endFds };
    const read = (path: string) => readFileSync(path, 'utf8');
    reports = {
      json: large.stdout,
      junit: read(files.junit),
      markdown: read(files.markdown),
      html: read(files.html),
      cli: read(files.cli),
    };
  }

  it('every report written from the spool equals the report rendered from the result kept in memory', () => {
    // As written, without the verdict: a schema's parse would give its members in the schema's order.
    const { verdict: _written, ...result } = JSON.parse(reports!.json) as RunResult & { verdict: unknown };
    RunResultSchema.parse(result);
    expect(result.hosts).to.have.length(HOSTS);
    expect(result.hosts.filter((host) => host.status === 'unreachable')).to.have.length(6);
    const verdict = decideVerdict(result);
    expect(reports!.json).to.equal(renderJsonReport(result, verdict));
    expect(reports!.junit).to.equal(renderJunitReport(result, verdict));
    expect(reports!.markdown).to.equal(renderMarkdownReport(result, verdict));
    expect(reports!.html).to.equal(renderHtmlReport(result, verdict));
    expect(reports!.cli).to.equal(renderCliReport(result, verdict, { color: false, verbose: false }));
  });

  it('the JUnit report of every host is valid under the Jenkins JUnit schema', function () {
    requireXmllint(this);
    expect(schemaErrors(at('junit.xml'))).to.equal(null);
  });

  it('descriptors open when the report is written are as many after 300 hosts as after 20', () => {
    expect(fds!.large).to.be.greaterThan(0);
    // Counted at one instant: a connection whose close is still under way, or a report file being
    // written, may hold one or two more. Descriptors kept per host would be some 280 more.
    expect(fds!.large).to.be.within(fds!.small - 2, fds!.small + 2);
  });

  it('a Ctrl-C: the reports hold what was gathered and nothing of the spool is left', async () => {
    const tmp = privateTmp('tmp-interrupted');
    const env = cliEnvironment(cacheDir, { TMPDIR: tmp });
    const logins = simulator.stats.logins;
    const run = await interruptedWhileSweeping(
      [...sweep('hung.yaml'), '--format', 'json'],
      env,
      () => simulator.stats.logins > logins,
      { first: 1500 },
    );
    expect(run.code, run.stderr).to.equal(130);
    const result = RunResultSchema.parse(JSON.parse(run.stdout));
    expect(result.hosts).to.have.length(40);
    expect(result.hosts.some((host) => host.status === 'completed')).to.equal(true);
    expect(readdirSync(tmp)).to.deep.equal([]);
  });

  it('a second Ctrl-C stops at once, and nothing of the spool is left', async () => {
    const tmp = privateTmp('tmp-stopped');
    const env = cliEnvironment(cacheDir, { TMPDIR: tmp });
    const logins = simulator.stats.logins;
    const run = await interruptedWhileSweeping(
      [...sweep('hung.yaml'), '--format', 'json'],
      env,
      () => simulator.stats.logins > logins,
      { first: 1500, second: 50 },
    );
    expect(run.code, run.stderr).to.equal(130);
    expect(readdirSync(tmp)).to.deep.equal([]);
  });
});
