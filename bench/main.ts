/**
 * `npm run bench`: driftspec against the one-exec OpenSSH floor, against Serverspec and
 * Testinfra, on 1, 5 and 20 booted instances, and against 1000 simulated hosts; start-up against
 * `node -e 0`; an unbooted image (`rootfs:` and container archives) against the same image booted.
 * Writes its part of docs/benchmarks.md (between markers) and the raw numbers to
 * test-output/bench/results.json. See docs/benchmarks.md for the method.
 *
 *   npm run bench -- [--rounds 7] [--peer-rounds 3] [--only startup,single,peers,fleet,sim,fleet10k,rootfs]
 *                    [--hosts 1000] [--latency-ms 50] [--sim-concurrency 64] [--base 140] [--no-docs]
 *                    [--compare-with DIR]
 *
 * `--compare-with DIR` adds, to the start-up and single-instance cases, every driftspec subject
 * run again by the build in DIR (another checkout, built), in the same rounds; such a run writes
 * its numbers into a block of docs/benchmarks.md of its own, so the full run's block stays.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type DriftspecBuild, describeCheckout } from './lib/builds.js';
import { BENCH, driftspecRun, floorRun, ROOT, serverspecRun, testinfraRun } from './lib/commands.js';
import { currentLoad, machineFacts } from './lib/machine.js';
import {
  type Invocation,
  median,
  pairedRatio,
  pairedRatios,
  type ProcessRun,
  timeParallel,
  timeProcess,
} from './lib/measure.js';
import { runImageArchiveBenchmark } from './image-archive.js';
import { type BenchResults, REPORT_BLOCKS, renderReport, type Series, writeReportSection } from './lib/report.js';
import { bootTestbed, testbedUnavailable, type BenchInstance } from './lib/testbed.js';
import { phasesOfRun } from './lib/timeline.js';
import { runFleet10kBenchmark, type Fleet10kResults } from './sim/fleet10k.js';
import { FLEET10K_BLOCK, renderFleet10k } from './sim/fleet10k-report.js';
import { recordOnInstance, runScaleBenchmark } from './sim/scale.js';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    'peer-rounds': { type: 'string', default: '3' },
    only: { type: 'string', default: 'startup,single,peers,fleet,sim,fleet10k,rootfs' },
    hosts: { type: 'string', default: '1000' },
    'latency-ms': { type: 'string', default: '50' },
    'sim-concurrency': { type: 'string', default: '64' },
    base: { type: 'string', default: '140' },
    'no-docs': { type: 'boolean', default: false },
    'compare-with': { type: 'string' },
  },
});
const rounds = Number(flags.rounds);
const peerRounds = Number(flags['peer-rounds']);
const only = new Set(flags.only.split(','));
/** The cases whose figures go to the run block of docs/benchmarks.md (fleet10k has a block of its own). */
const RUN_BLOCK_CASES = ['startup', 'single', 'peers', 'fleet', 'sim'];
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

const results: BenchResults = {
  startedAt: new Date().toISOString(),
  machine: machineFacts(),
  rounds,
  peerRounds,
  loads: [],
  cases: [],
  notes: [],
};
// Both checkouts are looked at before any cache directory is made: a wrong --compare-with leaves nothing behind.
const currentCheckout = describeCheckout(ROOT);
const otherCheckout = flags['compare-with'] ? describeCheckout(flags['compare-with']) : undefined;
const cacheDir = mkdtempSync('/tmp/driftspec-bench-cache-');
/** How the YAML specs a CLI read and kept are named in its cache (src/plan/yaml-cache.ts). */
const YAML_ENTRY_PREFIX = 'yaml-';
const env = { ...process.env, DRIFTSPEC_CACHE_DIR: cacheDir, NO_COLOR: '1' };
const currentBuild: DriftspecBuild = { ...currentCheckout, env };
const otherCacheDir = otherCheckout ? mkdtempSync('/tmp/driftspec-bench-cache-') : undefined;
const otherBuild: DriftspecBuild | undefined = otherCheckout && {
  ...otherCheckout,
  env: { ...env, DRIFTSPEC_CACHE_DIR: otherCacheDir },
};
if (otherBuild) {
  results.comparison = {
    current: { commit: currentBuild.commit, subject: currentBuild.subject },
    other: { directory: otherBuild.root, commit: otherBuild.commit, subject: otherBuild.subject },
    rows: [],
  };
}

try {
  for (const [spec, probe] of [
    ['checks-50.yaml', 'probe-50.sh'],
    ['checks-500.yaml', 'probe-500.sh'],
  ] as const)
    await floorCoversSpec(spec, probe);
  if (only.has('startup')) await startup();
  const needsBed = ['single', 'peers', 'fleet', 'sim', 'fleet10k'].some((name) => only.has(name));
  const unavailable = needsBed ? testbedUnavailable() : undefined;
  if (unavailable) results.notes.push(`Not measured on booted instances: ${unavailable}.`);
  if (needsBed && !unavailable) {
    const fleetSize = only.has('fleet') ? 20 : 1;
    log(`booting ${fleetSize} instance(s) from index ${flags.base}`);
    const bootStart = Date.now();
    const bed = await bootTestbed(Number(flags.base), fleetSize);
    results.notes.push(
      `${fleetSize} instance(s) booted in ${((Date.now() - bootStart) / 1000).toFixed(0)} s (not part of any figure).`,
    );
    try {
      await warmUp(bed.instances);
      if (only.has('single')) await single(bed.instances[0]!);
      if (only.has('peers')) await peers(bed.instances[0]!);
      if (only.has('fleet')) await fleet(bed.instances);
      if (only.has('sim')) await sim(bed.instances[0]!);
      if (only.has('fleet10k')) await fleet10k(bed.instances[0]!);
    } finally {
      log('stopping the instances');
      await bed.stop();
    }
  }
  // After the instances above are stopped: this case boots one of its own, and writes its own block.
  if (only.has('rootfs')) await rootfs();
  results.finishedAt = new Date().toISOString();
  results.machine.load = currentLoad();
  writeOutputs();
} finally {
  for (const dir of [cacheDir, otherCacheDir]) if (dir) rmSync(dir, { recursive: true, force: true });
}

async function startup(): Promise<void> {
  log('start-up');
  const cli = (build: DriftspecBuild, args: string[]): Invocation => ({
    command: process.execPath,
    args: ['bin/driftspec', ...args],
    cwd: build.root,
    env: build.env,
  });
  const tsSpec = `${BENCH}specs/checks-50.ts`;
  // The first run compiles the TypeScript spec into the (empty) cache; every later one must not.
  const cold = await checked(cli(currentBuild, ['plan', tsSpec]), 'driftspec plan (TypeScript, cold cache)');
  // Untimed: the first `--version` writes its code cache (`plan`'s is written by the runs above).
  await checked(cli(currentBuild, ['--version']), 'driftspec --version');
  const cacheAfterCold = cacheSnapshot();
  if (otherBuild) {
    await checked(cli(otherBuild, ['plan', tsSpec]), `driftspec plan (TypeScript, cold cache) of ${otherBuild.root}`);
    await checked(cli(otherBuild, ['--version']), `driftspec --version of ${otherBuild.root}`);
  }
  const series = await alternate('Start-up', rounds, [
    {
      label: 'node -e 0',
      run: () => timed({ command: process.execPath, args: ['-e', '0'], cwd: ROOT, env }, 'node -e 0'),
    },
    ...onBothBuilds([
      {
        label: 'driftspec --version',
        run: (build) => timed(cli(build, ['--version']), 'driftspec --version'),
      },
      {
        label: 'driftspec plan (YAML spec, cached)',
        run: (build) => timed(cli(build, ['plan', `${BENCH}specs/checks-50.yaml`]), 'driftspec plan'),
      },
      {
        label: 'driftspec plan (YAML spec, not cached)',
        run: (build) => {
          forgetYamlSpecs(build);
          return timed(cli(build, ['plan', `${BENCH}specs/checks-50.yaml`]), 'driftspec plan');
        },
      },
      {
        label: 'driftspec plan (TypeScript spec, cached)',
        run: (build) => timed(cli(build, ['plan', tsSpec]), 'driftspec plan (TypeScript)'),
      },
    ]),
  ]);
  const cacheAfterWarm = cacheSnapshot();
  const compiledOnce = cacheAfterCold.length === 2 && JSON.stringify(cacheAfterCold) === JSON.stringify(cacheAfterWarm);
  results.startup = {
    series,
    coldTypeScriptMs: cold.ms,
    cacheFiles: cacheAfterWarm.map((entry) => entry.name),
    compiledOnce,
  };
  if (!compiledOnce)
    results.notes.push(
      `The TypeScript spec cache changed after the first run: before ${JSON.stringify(cacheAfterCold)}, after ` +
        `${JSON.stringify(cacheAfterWarm)}.`,
    );
}

/** The 50 checks on the test-bed image unbooted (`rootfs:`, container archives) and booted. */
async function rootfs(): Promise<void> {
  log('rootfs: the image unbooted, as archives, and booted');
  if (process.getuid?.() !== 0) {
    results.notes.push('Not measured on the unbooted image: rootfs: and archive targets need root.');
    return;
  }
  await runImageArchiveBenchmark({ rounds: Math.min(rounds, 5), writeDocs: !flags['no-docs'], log });
}

/** Every subject the spec checks is named in its floor probe: the floor gathers the same facts. */
async function floorCoversSpec(spec: string, probe: string): Promise<void> {
  const plan = await checked(
    { command: process.execPath, args: ['bin/driftspec', 'plan', `${BENCH}specs/${spec}`], cwd: ROOT, env },
    `driftspec plan ${spec}`,
  );
  const floor = readFileSync(`${BENCH}floor/${probe}`, 'utf8');
  const checks = (JSON.parse(plan.stdout) as { checks: { resource: string; subject: string | number }[] }).checks;
  const named = (check: { resource: string; subject: string | number }) => {
    const wholeTable = { port: '/proc/net/tcp', mount: '/proc/self/mounts', process: 'ps -e' }[check.resource];
    if (wholeTable) return floor.includes(wholeTable);
    const subject = String(check.subject);
    return floor.includes(check.resource === 'kernel_parameter' ? `/proc/sys/${subject.replace(/\./g, '/')}` : subject);
  };
  const missing = checks.filter((check) => !named(check));
  if (missing.length > 0)
    throw new Error(
      `${probe} does not gather what ${spec} checks: ` +
        `${missing.map((check) => `${check.resource} ${check.subject}`).join(', ')}`,
    );
}

/**
 * Names, sizes and modification times of the TypeScript spec cache: unchanged means nothing was
 * compiled again.
 */
function cacheSnapshot(): { name: string; size: number; mtimeMs: number }[] {
  return readdirSync(cacheDir)
    .filter((name) => !name.endsWith('.v8cache') && !name.startsWith(YAML_ENTRY_PREFIX))
    .sort()
    .map((name) => {
      const stat = statSync(join(cacheDir, name));
      return { name, size: stat.size, mtimeMs: stat.mtimeMs };
    });
}

/** Removes the YAML specs a build's CLI read and kept (src/plan/yaml-cache.ts): its next run reads its spec anew. */
function forgetYamlSpecs(build: DriftspecBuild): void {
  const dir = build.env.DRIFTSPEC_CACHE_DIR!;
  for (const name of readdirSync(dir)) if (name.startsWith(YAML_ENTRY_PREFIX)) rmSync(join(dir, name));
}

/** One run of each, not timed: caches on both sides (the instance's page cache, the spec cache) are warm. */
async function warmUp(instances: readonly BenchInstance[]): Promise<void> {
  log('warm-up');
  await checkedFloor(instances[0]!, 'probe-50.sh');
  await checkedDriftspec([instances[0]!], 'checks-50.yaml', 50);
  await checkedDriftspec([instances[0]!], 'checks-50.ts', 50);
  await checkedDriftspec([instances[0]!], 'checks-500.yaml', 500);
  if (otherBuild && only.has('single'))
    for (const [spec, checks] of [
      ['checks-50.yaml', 50],
      ['checks-50.ts', 50],
      ['checks-500.yaml', 500],
    ] as const)
      await checkedDriftspec([instances[0]!], spec, checks, otherBuild);
  await checkedFloor(instances[0]!, 'probe-500.sh');
  await Promise.all(instances.map((instance) => checkedFloor(instance, 'probe-50.sh')));
}

async function single(instance: BenchInstance): Promise<void> {
  // This build's runs print their phase timeline (--timings); the other build may not have it.
  const driftspecOf = (spec: string, checks: number) => (build: DriftspecBuild) =>
    checkedDriftspec([instance], spec, checks, build, build === currentBuild);
  // Not timed by --timings: the timeline of a spec is that of its cached runs.
  const notCached = (spec: string, checks: number) => (build: DriftspecBuild) => {
    forgetYamlSpecs(build);
    return checkedDriftspec([instance], spec, checks, build);
  };
  await paired('50 checks, 1 instance', 'single-50', 1.3, rounds, [
    { label: 'OpenSSH floor', run: () => checkedFloor(instance, 'probe-50.sh') },
    ...onBothBuilds([
      { label: 'driftspec (YAML spec, cached)', run: driftspecOf('checks-50.yaml', 50) },
      { label: 'driftspec (YAML spec, not cached)', run: notCached('checks-50.yaml', 50) },
      { label: 'driftspec (TypeScript spec, cached)', run: driftspecOf('checks-50.ts', 50) },
    ]),
  ]);
  await paired('500 checks, 1 instance', 'single-500', 1.6, rounds, [
    { label: 'OpenSSH floor', run: () => checkedFloor(instance, 'probe-500.sh') },
    ...onBothBuilds([
      { label: 'driftspec (YAML spec, cached)', run: driftspecOf('checks-500.yaml', 500) },
      { label: 'driftspec (YAML spec, not cached)', run: notCached('checks-500.yaml', 500) },
    ]),
  ]);
}

async function peers(instance: BenchInstance): Promise<void> {
  const missing = ensurePeers();
  if (missing) {
    results.notes.push(`Peers not measured: ${missing}.`);
    return;
  }
  await paired('Peers: the same 50 checks, 1 instance', 'peers', undefined, peerRounds, [
    { label: 'OpenSSH floor', run: () => checkedFloor(instance, 'probe-50.sh') },
    { label: 'driftspec (YAML spec, cached)', run: () => checkedDriftspec([instance], 'checks-50.yaml', 50) },
    {
      label: 'Serverspec (ruby-serverspec, net-ssh)',
      run: () => timed(serverspecRun(instance), 'Serverspec', /50 examples, 0 failures/),
    },
    {
      label: 'Testinfra (python3-testinfra, ssh backend)',
      run: () => timed(testinfraRun(instance), 'Testinfra', /50 passed/),
    },
  ]);
}

async function fleet(instances: readonly BenchInstance[]): Promise<void> {
  for (const size of [1, 5, 20]) {
    const group = instances.slice(0, size);
    await paired(
      `50 checks, ${size} instance${size === 1 ? '' : 's'} at once`,
      `fleet-${size}`,
      // Issue 17 raised the fleet target from 1.5× to 1.25× the parallel floor.
      size === 20 ? 1.25 : undefined,
      rounds,
      [
        { label: `OpenSSH floor, ${size} in parallel`, run: () => parallelFloor(group) },
        { label: `driftspec, --concurrency ${size}`, run: () => checkedDriftspec(group, 'checks-50.yaml', 50) },
      ],
    );
  }
}

async function sim(instance: BenchInstance): Promise<void> {
  log(`scale: ${flags.hosts} simulated hosts, ${flags['latency-ms']} ms round trip`);
  results.scale = await runScaleBenchmark({
    instance,
    hosts: Number(flags.hosts),
    latencyMs: Number(flags['latency-ms']),
    concurrency: Number(flags['sim-concurrency']),
    spec: `${BENCH}specs/checks-50.yaml`,
    log,
  });
}

/** Ten thousand simulated hosts (bench/sim/fleet10k.ts), in a block of docs/benchmarks.md of its own. */
async function fleet10k(instance: BenchInstance): Promise<void> {
  const outDir = join(ROOT, 'test-output', 'bench');
  mkdirSync(outDir, { recursive: true });
  const save = (fleet: Fleet10kResults) =>
    writeFileSync(join(outDir, 'fleet10k.json'), `${JSON.stringify(fleet, null, 2)}\n`);
  const fleet = await runFleet10kBenchmark({
    hosts: 10_000,
    smallHosts: 1000,
    largestHosts: 50_000,
    latencyMs: Number(flags['latency-ms']),
    highConcurrency: 250,
    connectTimeoutS: 30,
    shards: 4,
    cases: new Set(['high', 'largest', 'sharded', 'default']),
    spec: `${BENCH}specs/checks-50.yaml`,
    record: (script) => recordOnInstance(instance, script),
    recordedOn: 'a booted instance',
    log,
    onCase: save,
  });
  if (!flags['no-docs'])
    writeReportSection(join(ROOT, 'docs', 'benchmarks.md'), renderFleet10k([fleet]), FLEET10K_BLOCK);
}

interface Subject {
  label: string;
  run: () => Promise<number>;
  /** The label of the subject this one is the other build's run of: the two are compared round by round. */
  twinOf?: string;
}

interface BuildSubject {
  label: string;
  run: (build: DriftspecBuild) => Promise<number>;
}

/** The subjects on this build, followed, with --compare-with, by the same subjects on the other build. */
function onBothBuilds(subjects: readonly BuildSubject[]): Subject[] {
  const current = subjects.map(({ label, run }) => ({ label, run: () => run(currentBuild) }));
  if (!otherBuild) return current;
  const other = subjects.map(({ label, run }) => ({
    label: `${label} at ${otherBuild.commit}`,
    run: () => run(otherBuild),
    twinOf: label,
  }));
  return [...current, ...other];
}

/**
 * Rounds of every subject in turn, the order rotated each round so that none always runs first
 * or right after another; the first subject is the floor the others are divided by, pair by pair.
 */
async function paired(
  title: string,
  key: string,
  target: number | undefined,
  count: number,
  subjects: readonly Subject[],
): Promise<void> {
  log(title);
  const series = await alternate(title, count, subjects);
  const floor = series[0]!.ms;
  for (const entry of series.slice(1)) entry.ratio = pairedRatio(entry.ms, floor);
  results.cases.push({ title, key, target, series });
}

async function alternate(title: string, count: number, subjects: readonly Subject[]): Promise<Series[]> {
  const series: Series[] = subjects.map((subject) => ({ label: subject.label, ms: [] }));
  for (let round = 0; round < count; round++) {
    results.loads.push(currentLoad()[0]);
    for (let step = 0; step < subjects.length; step++) {
      const index = (step + round) % subjects.length;
      series[index]!.ms.push(await subjects[index]!.run());
    }
  }
  for (const entry of series) entry.median = median(entry.ms);
  compareBuilds(title, subjects, series);
  return series;
}

/** This build's runs divided by the other build's of the same round, for each subject run by both. */
function compareBuilds(title: string, subjects: readonly Subject[], series: readonly Series[]): void {
  subjects.forEach((subject, index) => {
    if (!subject.twinOf || !results.comparison) return;
    const current = series.find((entry) => entry.label === subject.twinOf)!;
    const other = series[index]!;
    results.comparison.rows.push({
      title,
      label: subject.twinOf,
      currentMedianMs: current.median!,
      otherMedianMs: other.median!,
      ratios: pairedRatios(current.ms, other.ms),
    });
  });
}

/** Times a process and insists it did what was asked: a benchmark of a failing run measures nothing. */
async function checked(invocation: Invocation, what: string, expect?: RegExp): Promise<ProcessRun> {
  const run = await timeProcess(invocation);
  if (run.exitCode !== 0 || (expect && !expect.test(run.stdout))) {
    throw new Error(`${what} failed (exit ${run.exitCode}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
  }
  return run;
}

async function timed(invocation: Invocation, what: string, expect?: RegExp): Promise<number> {
  return (await checked(invocation, what, expect)).ms;
}

async function checkedFloor(instance: BenchInstance, probe: string): Promise<number> {
  const run = await checked(floorRun(instance, probe), `the OpenSSH floor (${probe})`, /## mounts\n/);
  return run.ms;
}

async function checkedDriftspec(
  instances: readonly BenchInstance[],
  spec: string,
  checks: number,
  build = currentBuild,
  timings = false,
): Promise<number> {
  const run = await checked(driftspecRun(instances, spec, build, timings), `driftspec ${spec} (${build.root})`);
  if (timings) recordTimeline(spec, run.stderr);
  const report = JSON.parse(run.stdout) as { hosts: { status: string; counts: { passed: number } }[] };
  const passed = report.hosts.map((host) => (host.status === 'completed' ? host.counts.passed : -1));
  if (passed.length !== instances.length || passed.some((count) => count !== checks)) {
    throw new Error(
      `driftspec ${spec}: expected ${checks} passed checks on each of ${instances.length} ` +
        `host(s):\n${run.stdout.slice(-3000)}`,
    );
  }
  return run.ms;
}

/** A run's phases (`--timings`), kept with the other runs of its spec. */
function recordTimeline(spec: string, stderr: string): void {
  results.timelines ??= [];
  let timeline = results.timelines.find((entry) => entry.spec === spec);
  if (!timeline) {
    timeline = { spec, runs: [] };
    results.timelines.push(timeline);
  }
  timeline.runs.push(phasesOfRun(stderr));
}

async function parallelFloor(instances: readonly BenchInstance[]): Promise<number> {
  const { ms, runs } = await timeParallel(instances.map((instance) => floorRun(instance, 'probe-50.sh')));
  const failed = runs.find((run) => run.exitCode !== 0 || !run.stdout.includes('## mounts\n'));
  if (failed)
    throw new Error(`the parallel OpenSSH floor failed (exit ${failed.exitCode}): ${failed.stderr.slice(-2000)}`);
  return ms;
}

/** Serverspec and Testinfra from Debian's packages, installed when missing; a reason when they cannot be. */
function ensurePeers(): string | undefined {
  const present = () =>
    spawnSync(
      'sh',
      [
        '-c',
        'command -v rspec >/dev/null && ruby -e "require %q(serverspec)" && /usr/bin/python3 -c "import testinfra, ' +
          'pytest"',
      ],
      { stdio: 'ignore' },
    ).status === 0;
  if (present()) return undefined;
  log('installing ruby-serverspec and python3-testinfra (apt-get)');
  const install = spawnSync(
    'sh',
    ['-c', 'apt-get update -qq && apt-get install -y -qq ruby-serverspec python3-testinfra'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    },
  );
  if (install.status !== 0 || !present())
    return `apt-get install ruby-serverspec python3-testinfra failed: ${install.stderr?.toString().slice(-500)}`;
  return undefined;
}

function writeOutputs(): void {
  const outDir = join(ROOT, 'test-output', 'bench');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const block = otherBuild ? REPORT_BLOCKS.comparison : REPORT_BLOCKS.run;
  const section = renderReport(results, block.heading);
  // A run of the fleet10k case alone has nothing for this block: keep the last run's figures.
  const measuredForBlock = RUN_BLOCK_CASES.some((name) => only.has(name));
  if (!flags['no-docs'] && measuredForBlock) writeReportSection(join(ROOT, 'docs', 'benchmarks.md'), section, block);
  process.stdout.write(section);
  log(`raw numbers: ${join(outDir, 'results.json')}`);
}
