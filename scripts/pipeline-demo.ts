/**
 * `npm run pipeline:demo [-- --output DIR]`: the golden-image pipeline, run here on the test bed
 * (root; test/testbed/README.md lists the tools). The golden image is verified booted, snapshotted
 * as the baseline and recorded as the golden one; then each candidate, built from it with a change
 * set, is checked as an unbooted root file system (fast fail), booted, verified over SSH with
 * `--wait`, compared with the baseline (with an accepted-drift file) and promoted or rejected.
 * A good candidate (a harmless package more, its drift accepted) must be promoted, and two bad
 * ones rejected: one with a legacy remote-login service (the spec fails on its unbooted root) and
 * one that passes the spec but carries drift nobody accepted. The exit code is 0 only when all
 * three came out so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TESTBED_IGNORES } from '../test/testbed/ignores.js';
import { releaseIndex, reserveIndexes } from '../test/testbed/indexes.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TESTBED = join(ROOT, 'test/testbed');
const SPEC = join(ROOT, 'specs/debian-web-server.yaml');
const DRIFTSPEC = join(ROOT, 'bin/driftspec');
const MARKER = '.pipeline-demo';
const REQUIRED_TOOLS = ['debootstrap', 'systemd-nspawn', 'ip', 'ssh', 'nsenter'];
/** Where the demo's instances go: the first free test bed indexes from here (test/testbed/indexes.ts). */
const INDEX_BASE = 200;

interface Candidate {
  name: 'good' | 'bad' | 'drifted';
  /** What the pipeline should make of it. */
  expected: 'promoted' | 'rejected';
  /** build-variant-image.sh arguments. */
  change: string[];
  /** Accepted drift: the differences the change set is meant to make. */
  accepted: Array<{ kind: string; key: string; change: 'added' | 'removed' | 'changed' }>;
}

const CANDIDATES: Candidate[] = [
  // Fails packages-01 of the bundled spec.
  {
    name: 'bad',
    expected: 'rejected',
    change: ['--install', 'telnetd'],
    accepted: [],
  },
  // Passes the spec; its package, files and the `pager` alternative it takes over are not accepted.
  {
    name: 'drifted',
    expected: 'rejected',
    change: ['--install', 'less'],
    accepted: [],
  },
  {
    name: 'good',
    expected: 'promoted',
    change: ['--install', 'tree'],
    accepted: [
      { kind: 'packages', key: 'tree:*', change: 'added' },
      { kind: 'files', key: '/usr/bin/tree', change: 'added' },
      // The files the default trees (all of /usr) see beside the binary: its documentation and man page.
      { kind: 'files', key: '/usr/share/doc/tree*', change: 'added' },
      { kind: 'files', key: '/usr/share/man/man1/tree.1.gz', change: 'added' },
    ],
  },
];

/**
 * The gate: the strict defaults, written out. Drift that no rule allows blocks; the built-in rules
 * (new listening ports, SUID files and users block, package upgrades pass) apply after these.
 */
const GATE_POLICY = `failures:
  allow: {}
errors: block
unreachable: block
skips: allow
drift:
  otherwise: block
  incomplete: block
`;

/** Prints the units that failed at boot and starts them again. */
const RESTART_FAILED_UNITS = `failed=$(systemctl list-units --failed --plain --no-legend --full | awk '{print $1}')
[ -z "$failed" ] && exit 0
echo $failed
systemctl reset-failed $failed && systemctl restart $failed`;

interface Outcome {
  name: string;
  imageId: string;
  expected: Candidate['expected'];
  actual: 'promoted' | 'rejected';
  /** The last stage reached and its exit code, and driftspec promote's exit code. */
  stages: string[];
}

// ---------------------------------------------------------------------------------------------
// Instances: always stopped, also on an error or a signal

interface Instance {
  index: number;
  address: string;
  sshOptions: string[];
}

class InstancePool {
  private readonly running = new Map<number, string>();
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly stateDir: string) {}

  track(child: ChildProcess): void {
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
  }

  async boot(rootfs: string, log: string): Promise<Instance> {
    const [index] = reserveIndexes(INDEX_BASE, 1) as [number];
    this.running.set(index, this.stateDir);
    const { code } = await runLogged(
      join(TESTBED, 'boot-instance.sh'),
      [rootfs, String(index), this.stateDir],
      log,
      this,
    );
    if (code !== 0) {
      this.stop(index);
      throw new Error(`boot-instance.sh exited ${code}; see ${log}`);
    }
    const dir = join(this.stateDir, `img${index}`);
    const address = `10.231.${index}.2`;
    await this.restartUnitsFailedAtBoot(join(dir, 'ssh_config'), address, log);
    return {
      index,
      address,
      sshOptions: ['-i', join(dirname(rootfs), 'id_ed25519'), '--known-hosts', join(dir, 'known_hosts')],
    };
  }

  /**
   * When several instances boot at once on a busy machine, one sometimes comes up with a unit that
   * failed at boot and runs fine when started again (test/support/drift-e2e.ts, `settle`). That is
   * the test bed, not the image: drift would report it as a changed service, so such units are
   * started again, and said so, before the instance is verified.
   */
  private async restartUnitsFailedAtBoot(sshConfig: string, address: string, log: string): Promise<void> {
    const { code, stdout } = await runLogged('ssh', ['-F', sshConfig, address, RESTART_FAILED_UNITS], log, this);
    if (code !== 0) throw new Error(`could not list the failed units of ${address}; see ${log}`);
    if (stdout.trim() !== '') say(`test bed: ${address} booted with failed units, started again: ${stdout.trim()}`);
  }

  stop(index: number): void {
    spawnSync(join(TESTBED, 'stop-instance.sh'), [String(index), this.stateDir], { stdio: 'ignore' });
    this.running.delete(index);
    releaseIndex(index);
  }

  /** Ends every child still running and stops every instance (synchronous: safe in an exit handler). */
  stopAll(): void {
    for (const child of this.children) child.kill('SIGTERM');
    for (const index of [...this.running.keys()]) this.stop(index);
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Running commands, each into a log file of its own

/** Runs a command with its output appended to `log`; resolves to its exit code and its stdout. */
function runLogged(
  command: string,
  args: readonly string[],
  log: string,
  pool: InstancePool,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(log, { flags: 'a' });
    out.write(`$ ${[command, ...args].join(' ')}\n`);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    pool.track(child);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      out.write(chunk);
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      out.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      out.end(`[exit ${code ?? signal}]\n`, () => resolvePromise({ code: code ?? 128, stdout, stderr }));
    });
  });
}

async function driftspec(pool: InstancePool, log: string, ...args: string[]): Promise<number> {
  return (await runDriftspec(pool, log, ...args)).code;
}

function runDriftspec(pool: InstancePool, log: string, ...args: string[]) {
  return runLogged(process.execPath, [DRIFTSPEC, ...args], log, pool);
}

/** A path as the user will want to open it: relative to where the demo was started, when inside it. */
function shown(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside === '' || inside.startsWith('..') ? path : inside;
}

/** The reports of one run or drift: JSON for the next step, JUnit and HTML for people and CI. */
function reports(dir: string, name: string): string[] {
  return ['-r', `json:${join(dir, `${name}.json`)}`, '-r', `junit:${join(dir, `${name}.junit.xml`)}`]
    .concat(['-r', `html:${join(dir, `${name}.html`)}`])
    .concat(['-r', `markdown:${join(dir, `${name}.md`)}`]);
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// The pipeline

/** The files every stage shares, written into the output folder first. */
interface PipelineFiles {
  ignoreFile: string;
  policyFile: string;
  goldenRecord: string;
}

interface Context extends PipelineFiles {
  out: string;
  pool: InstancePool;
  golden: { rootfs: string; imageId: string };
  baseline: string;
}

function writePipelineFiles(out: string): PipelineFiles {
  const ignoreFile = join(out, 'testbed-ignore.yaml');
  writeFileSync(ignoreFile, TESTBED_IGNORES);
  const policyFile = join(out, 'gate.yaml');
  writeFileSync(policyFile, GATE_POLICY);
  return { ignoreFile, policyFile, goldenRecord: join(out, 'golden.json') };
}

async function buildImage(script: string, args: string[], log: string, pool: InstancePool): Promise<string> {
  const { code, stdout } = await runLogged(join(TESTBED, script), args, log, pool);
  if (code !== 0) throw new Error(`${script} exited ${code}; see ${log}`);
  const rootfs = stdout.trim().split('\n').at(-1) ?? '';
  if (!existsSync(join(rootfs, 'etc'))) throw new Error(`${script} printed no root file system; see ${log}`);
  return rootfs;
}

/** An image's id: its cache directory's name (it holds the hash of what went into it). */
function imageIdOf(rootfs: string): string {
  return `testbed/${basename(dirname(rootfs))}`;
}

/** The current golden image: verified booted, snapshotted as the baseline, recorded as golden. */
async function establishGolden(
  out: string,
  pool: InstancePool,
  files: PipelineFiles,
): Promise<Pick<Context, 'golden' | 'baseline'>> {
  const dir = join(out, 'golden');
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'pipeline.log');
  say('golden: building (or reusing) the golden image');
  const rootfs = await buildImage('build-image.sh', [], log, pool);
  const imageId = imageIdOf(rootfs);
  const instance = await pool.boot(rootfs, log);
  const target = `ssh://root@${instance.address}`;
  const baseline = join(dir, 'baseline.json');
  try {
    const verified = await verify(pool, log, dir, target, instance, files.policyFile);
    say(`golden: ${imageId} booted and verified over SSH: exit ${verified}`);
    if (verified !== 0) throw new Error(`the golden image does not pass the spec; see ${dir}/run.md`);
    const snapshot = await driftspec(pool, log, 'snapshot', target, ...instance.sshOptions, '-o', baseline);
    if (snapshot !== 0) throw new Error(`driftspec snapshot exited ${snapshot}; see ${log}`);
    say(`golden: baseline snapshot written to ${shown(baseline)}`);
  } finally {
    pool.stop(instance.index);
  }
  const promotion = ['--image-id', imageId, '--run', join(dir, 'run.json'), '--spec', SPEC];
  const promoted = await driftspec(pool, log, 'promote', ...promotion, '--golden', files.goldenRecord);
  if (promoted !== 0) throw new Error(`driftspec promote of the golden image exited ${promoted}; see ${log}`);
  say(`golden: recorded in ${shown(files.goldenRecord)}`);
  return { golden: { rootfs, imageId }, baseline };
}

/** `driftspec run` of the spec over SSH, waiting for the instance to finish booting. */
function verify(
  pool: InstancePool,
  log: string,
  dir: string,
  target: string,
  instance: Instance,
  policyFile: string,
): Promise<number> {
  const options = ['-t', target, ...instance.sshOptions, '--wait', '2m', '--policy', policyFile];
  return driftspec(pool, log, 'run', SPEC, ...options, ...reports(dir, 'run'));
}

interface CandidateRun {
  candidate: Candidate;
  context: Context;
  dir: string;
  log: string;
  imageId: string;
  stages: string[];
  step: (text: string) => void;
}

/** Build → rootfs check → boot → verify → drift → promote; any stage that fails ends in a refusal. */
async function runCandidate(candidate: Candidate, context: Context): Promise<Outcome> {
  const dir = join(context.out, candidate.name);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'pipeline.log');
  const step = (text: string) => say(`${candidate.name}: ${text}`);
  step(`building a candidate from the golden image with ${candidate.change.join(' ')}`);
  const change = [context.golden.rootfs, ...candidate.change];
  const rootfs = await buildImage('build-variant-image.sh', change, log, context.pool);
  const run: CandidateRun = { candidate, context, dir, log, imageId: imageIdOf(rootfs), stages: [], step };

  const rootfsReports = reports(dir, 'rootfs');
  const rootfsCheck = await driftspec(context.pool, log, 'run', SPEC, '-t', `rootfs:${rootfs}`, ...rootfsReports);
  run.stages.push(`rootfs check: exit ${rootfsCheck}`);
  step(`unbooted root file system checked: exit ${rootfsCheck}${rootfsCheck === 0 ? '' : ' (fast fail)'}`);
  if (rootfsCheck !== 0) return promoteCandidate(run, 'rootfs');

  const instance = await context.pool.boot(rootfs, log);
  try {
    const target = `ssh://root@${instance.address}`;
    const verified = await verify(context.pool, log, dir, target, instance, context.policyFile);
    run.stages.push(`verify: exit ${verified}`);
    step(`booted and verified over SSH: exit ${verified}`);
    if (verified !== 0) return await promoteCandidate(run, 'run');
    const drifted = await driftFromBaseline(run, target, instance);
    run.stages.push(`drift: exit ${drifted}`);
    step(`compared with the golden baseline: exit ${drifted}`);
    if (drifted >= 16) throw new Error(`driftspec drift exited ${drifted}; see ${log}`);
  } finally {
    context.pool.stop(instance.index);
  }
  return promoteCandidate(run, 'run', join(dir, 'drift.json'));
}

function driftFromBaseline({ candidate, context, dir, log }: CandidateRun, target: string, instance: Instance) {
  const rules = ['--ignore-file', context.ignoreFile, '--accept-file', writeAcceptFile(dir, candidate)];
  const options = ['--baseline', context.baseline, target, ...instance.sshOptions, ...rules];
  return driftspec(context.pool, log, 'drift', ...options, '--policy', context.policyFile, ...reports(dir, 'drift'));
}

async function promoteCandidate(run: CandidateRun, runName: string, drift?: string): Promise<Outcome> {
  const { context, imageId } = run;
  const evidence = ['--run', join(run.dir, `${runName}.json`), '--spec', SPEC, '--policy', context.policyFile];
  const driftEvidence = drift ? ['--drift', drift, '--baseline', context.baseline] : [];
  const { code, stderr } = await runDriftspec(
    context.pool,
    run.log,
    'promote',
    '--image-id',
    imageId,
    ...evidence,
    ...driftEvidence,
    '--golden',
    context.goldenRecord,
  );
  run.stages.push(`promote: exit ${code}`);
  if (code === 0) run.step(`${imageId} promoted: ${shown(context.goldenRecord)} names it`);
  else run.step(`${imageId} rejected by driftspec promote (exit ${code}):\n${stderr.trimEnd().replace(/^/gm, '    ')}`);
  const actual = code === 0 ? 'promoted' : 'rejected';
  return { name: run.candidate.name, imageId, expected: run.candidate.expected, actual, stages: run.stages };
}

/** The accepted drift of a candidate, valid for 30 days from today. */
function writeAcceptFile(dir: string, candidate: Candidate): string {
  const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const entries = candidate.accepted.map((entry) =>
    [
      `  - kind: ${entry.kind}`,
      `    key: "${entry.key}"`,
      `    change: ${entry.change}`,
      `    reason: the change set of the ${candidate.name} candidate (${candidate.change.join(' ')})`,
      '    owner: image-pipeline',
      `    expires: ${expires}`,
    ].join('\n'),
  );
  const path = join(dir, 'accept.yaml');
  writeFileSync(path, entries.length === 0 ? 'accepted: []\n' : `accepted:\n${entries.join('\n')}\n`);
  return path;
}

function summary(outcomes: readonly Outcome[], out: string): string {
  const lines = outcomes.map((o) => {
    const verdict = o.actual === o.expected ? 'as expected' : `UNEXPECTED (expected ${o.expected})`;
    const stages = `        ${o.stages.join(', ')}`;
    return `  ${o.name.padEnd(8)} ${o.imageId.padEnd(30)} ${o.actual.padEnd(9)} ${verdict}\n${stages}`;
  });
  return [
    '',
    `pipeline demo summary (everything under ${shown(out)}/):`,
    ...lines,
    `  golden record: ${shown(join(out, 'golden.json'))}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Start

function parseArguments(argv: readonly string[]): { output: string } {
  let output = 'pipeline-demo-output';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--output' && argv[i + 1] !== undefined) output = argv[++i]!;
    else if (argv[i] === '--help' || argv[i] === '-h') {
      say('usage: npm run pipeline:demo [-- --output DIR]   (default DIR: ./pipeline-demo-output)');
      process.exit(0);
    } else {
      process.stderr.write(`pipeline-demo: unknown argument ${argv[i]}; usage: [--output DIR]\n`);
      process.exit(64);
    }
  }
  return { output: resolve(output) };
}

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the demo boots test bed instances: run it as root';
  const missing = REQUIRED_TOOLS.filter((tool) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status !== 0);
  if (missing.length > 0)
    return `missing ${missing.join(', ')}: apt-get install debootstrap systemd-container iproute2 openssh-client`;
  if (!existsSync(join(ROOT, 'dist/src/cli/code-cache.js')))
    return 'driftspec is not built: run npm ci (or npm run build)';
  return undefined;
}

/** A fresh output folder: one the demo wrote before is emptied; any other that is not empty is refused. */
function prepareOutput(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!existsSync(join(out, MARKER)))
      throw new Error(`${out} is not empty and was not written by the demo: name another with --output`);
    rmSync(out, { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, MARKER), 'written by npm run pipeline:demo; emptied by its next run\n');
}

async function main(): Promise<number> {
  const { output } = parseArguments(process.argv.slice(2));
  const problem = unavailable();
  if (problem) {
    process.stderr.write(`pipeline-demo: ${problem}\n`);
    return 2;
  }
  prepareOutput(output);
  const pool = new InstancePool(mkdtempSync('/tmp/driftspec-pipeline-demo-'));
  process.on('exit', () => pool.stopAll());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, () => {
      process.stderr.write(`pipeline-demo: ${signal}: stopping the instances\n`);
      pool.stopAll();
      process.kill(process.pid, signal);
    });
  try {
    const files = writePipelineFiles(output);
    const context: Context = { out: output, pool, ...files, ...(await establishGolden(output, pool, files)) };
    const outcomes: Outcome[] = [];
    for (const candidate of CANDIDATES) outcomes.push(await runCandidate(candidate, context));
    const text = summary(outcomes, output);
    writeFileSync(join(output, 'summary.txt'), text);
    say(text);
    return outcomes.every((o) => o.actual === o.expected) ? 0 : 1;
  } finally {
    pool.stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`pipeline-demo: ${error.message}\n`);
    process.exit(2);
  },
);
