import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { GoldenRecordSchema } from '../../src/promotion/golden-schema.js';
import { RunResultSchema } from '../../src/results/schema.js';
import { isRoot, requireInCi } from '../support/environment.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/pipeline-demo.ts', import.meta.url));

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the demo; `interrupt` is called with the child once it has started. */
function runDemo(output: string, interrupt?: (child: ChildProcess) => void): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--output', output], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    interrupt?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The test bed indexes the demo booted, from its logs (`$ …/boot-instance.sh ROOTFS INDEX STATEDIR`). */
function bootedIndexes(logs: readonly string[]): string[] {
  return logs.flatMap((log) =>
    [...readFileSync(log, 'utf8').matchAll(/boot-instance\.sh \S+ (\d+) /g)].map((m) => m[1]!),
  );
}

describe('npm run pipeline:demo', function () {
  this.timeout(900_000);
  let work = '';
  const file = (path: string) => join(work, 'output', path);
  let demo: DemoRun;

  before(async function () {
    if (!isRoot()) return requireInCi(this, 'the demo boots test bed instances as root');
    work = mkdtempSync(join(tmpdir(), 'driftspec-pipeline-demo-test-'));
    demo = await runDemo(join(work, 'output'));
  });
  after(() => work && rmSync(work, { recursive: true, force: true }));

  it('exits 0: the good candidate promoted, the bad ones rejected, said in the summary', () => {
    expect(demo.code, demo.stderr + demo.stdout).to.equal(0);
    expect(demo.stdout).to.match(/^ {2}bad +testbed\/variant-\w+ +rejected +as expected$/m);
    expect(demo.stdout).to.match(/^ {2}drifted +testbed\/variant-\w+ +rejected +as expected$/m);
    expect(demo.stdout).to.match(/^ {2}good +testbed\/variant-\w+ +promoted +as expected$/m);
    expect(readFileSync(file('summary.txt'), 'utf8')).to.include('promoted  as expected');
  });

  it('rejected the bad candidate with driftspec promote’s reasons, at the unbooted rootfs check', () => {
    expect(demo.stdout).to.match(/bad: unbooted root file system checked: exit 1 \(fast fail\)/);
    expect(demo.stdout).to.match(/refused testbed\/variant-\w+; .* is unchanged:\n.*run blocked: 1 failed control/);
    const rootfsRun = RunResultSchema.parse(JSON.parse(readFileSync(file('bad/rootfs.json'), 'utf8')));
    const packages = rootfsRun.hosts[0]!.results.filter((r) => r.control === 'packages-01' && r.status === 'failed');
    expect(packages.map((r) => r.subject)).to.include('telnetd');
  });

  it('rejected the candidate that passes the spec with drift nobody accepted, naming the drift', () => {
    expect(demo.stdout).to.match(/drifted: booted and verified over SSH: exit 0\n/);
    expect(demo.stdout).to.match(/drifted: compared with the golden baseline: exit 5\n/);
    expect(demo.stdout).to.match(/- drift blocked: \d+ added, \d+ changed\n/);
    expect(demo.stdout).to.match(/- drift: .*added: package less:amd64( with its \d+ files)? \[no rule matched/);
    expect(existsSync(file('drifted/drift.junit.xml'))).to.equal(true);
  });

  it('promoted the good candidate over the golden image: the golden record names both', () => {
    const record = GoldenRecordSchema.parse(JSON.parse(readFileSync(file('golden.json'), 'utf8')));
    const good = /good +(testbed\/variant-\w+) +promoted/.exec(demo.stdout)![1];
    const golden = /golden: (testbed\/rootfs-\w+) booted/.exec(demo.stdout)![1];
    expect(record.imageId).to.equal(good);
    expect(record.previous?.imageId).to.equal(golden);
    expect(record.drift).to.deep.equal({ exitCode: 0, changed: 0 });
    expect(record.baseline?.path).to.equal(file('golden/baseline.json'));
    expect(record.policy?.path).to.equal(file('gate.yaml'));
    const drift = DriftReportSchema.parse(JSON.parse(readFileSync(file('good/drift.json'), 'utf8')));
    // The package, /usr/bin/tree, its documentation folder with its five files, and its man page.
    expect(drift.hosts[0]!.counts).to.include({ added: 0, removed: 0, changed: 0, accepted: 9 });
  });

  it('wrote JUnit, HTML and drift reports under the one output folder', () => {
    for (const path of [
      'golden/run.junit.xml',
      'golden/run.html',
      'bad/rootfs.junit.xml',
      'bad/rootfs.html',
      'good/rootfs.junit.xml',
      'good/run.junit.xml',
      'good/run.html',
      'good/drift.junit.xml',
      'good/drift.html',
      'good/drift.md',
      'good/accept.yaml',
    ])
      expect(existsSync(file(path)), path).to.equal(true);
  });

  it('left no instance running: every network namespace it made is gone', () => {
    const indexes = bootedIndexes(['golden', 'drifted', 'good'].map((name) => file(`${name}/pipeline.log`)));
    expect(indexes).to.have.length(3);
    for (const index of indexes) expect(existsSync(`/run/netns/img${index}`), `img${index}`).to.equal(false);
  });
});

describe('npm run pipeline:demo interrupted (SIGINT) while an instance runs', function () {
  this.timeout(300_000);
  let work = '';
  after(() => work && rmSync(work, { recursive: true, force: true }));

  it('stops the instance, removes its network namespace and ends by the signal', async function () {
    if (!isRoot()) return requireInCi(this, 'the demo boots test bed instances as root');
    work = mkdtempSync(join(tmpdir(), 'driftspec-pipeline-demo-int-'));
    const out = join(work, 'output');
    const log = join(out, 'golden/pipeline.log');
    const booted = () => existsSync(log) && bootedIndexes([log]).length > 0;
    const demo = await runDemo(out, (child) => {
      const poll = setInterval(() => {
        if (!booted()) return;
        clearInterval(poll);
        setTimeout(() => child.kill('SIGINT'), 1000);
      }, 200);
      child.on('close', () => clearInterval(poll));
    });
    expect(demo.stderr).to.include('pipeline-demo: SIGINT: stopping the instances');
    expect(demo.signal ?? demo.code).to.be.oneOf(['SIGINT', 130]);
    const [index] = bootedIndexes([log]);
    expect(existsSync(`/run/netns/img${index}`)).to.equal(false);
    expect(existsSync(`/run/driftspec-testbed/indexes/${index}`)).to.equal(false);
  });
});
