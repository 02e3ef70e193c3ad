/**
 * Ten thousand simulated hosts: one driftspec process at the default and at a high concurrency,
 * the same at a thousand hosts and, at the high concurrency, at fifty thousand (memory must not
 * grow with the hosts), and the sharded sweep (N
 * shard processes at once on this machine, merged with `driftspec merge`). Every report goes to a
 * file (JSON, JUnit, HTML, Markdown) besides the default one on stdout; each process's peak RSS,
 * descriptors and wall time are sampled from /proc, and the simulator counts the execs.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/commands.js';
import type { RecordedProbe } from './fleet-simulator.js';
import { FleetSimulator, makeSimKeys, ProbeRecordings, runSampled, writeInventory, type SweepRun } from './sweep.js';

export interface Fleet10kOptions {
  hosts: number;
  /** The smaller fleet that shows memory does not grow with the hosts (0: none). */
  smallHosts: number;
  /** The largest fleet, at the high concurrency: where memory would show its growth per host (case `largest`). */
  largestHosts: number;
  latencyMs: number;
  highConcurrency: number;
  /**
   * Seconds: the simulator (one Node thread, all the SSH server's crypto) takes its time to log in
   * hundreds of clients at once on a busy machine, and would make live hosts unreachable.
   */
  connectTimeoutS: number;
  shards: number;
  /** Which sweeps to run: at the high concurrency, the largest fleet, sharded, at the default concurrency. */
  cases: ReadonlySet<Fleet10kCaseKind>;
  spec: string;
  /** Where the probe's answer comes from: run once, its output served to every live host. */
  record: (script: string) => Promise<RecordedProbe>;
  /** How the recording was made, for the report. */
  recordedOn: string;
  log: (message: string) => void;
  /** Called after every case, so that a run cut short keeps what it measured. */
  onCase?: (results: Fleet10kResults) => void;
}

export type Fleet10kCaseKind = 'high' | 'largest' | 'sharded' | 'default';

export interface ProcessFigures {
  ms: number;
  exitCode: number | null;
  peakRssMiB: number;
  peakFds: number;
  /** Descriptors when the first byte of the report on stdout arrived: every host closed. */
  endFds: number;
}

export interface Fleet10kCase extends ProcessFigures {
  label: string;
  hosts: number;
  dead: number;
  concurrency: number;
  /** Probes the simulator answered and logins it accepted during the case. */
  probes: number;
  logins: number;
  /** Sizes of the report files, MiB. */
  reportMiB: Record<string, number>;
}

export interface ShardedCase {
  hosts: number;
  shards: number;
  concurrency: number;
  /** From the first shard's start to the last shard's end. */
  shardsMs: number;
  perShard: ProcessFigures[];
  merge: ProcessFigures;
  probes: number;
}

export interface Fleet10kResults {
  startedAt: string;
  finishedAt?: string;
  latencyMs: number;
  connectTimeoutS: number;
  checks: number;
  recordedOn: string;
  recordedProbeBytes: number;
  cases: Fleet10kCase[];
  sharded?: ShardedCase;
}

/** driftspec's own default for --concurrency. */
export const DEFAULT_CONCURRENCY = 16;
const REPORTS = ['json', 'junit', 'html', 'markdown'] as const;

/** 1 % of the hosts refuse connections and 1 % never answer (each costs the connect timeout). */
function layoutOf(hosts: number) {
  const dead = Math.round(hosts * 0.01);
  return { hosts, refused: dead, silent: dead };
}

export async function runFleet10kBenchmark(options: Fleet10kOptions): Promise<Fleet10kResults> {
  const dir = mkdtempSync('/tmp/driftspec-bench-10k-');
  const keys = makeSimKeys(dir);
  let recordedProbeBytes = 0;
  const recordings = new ProbeRecordings(async (script) => {
    const recorded = await options.record(script);
    recordedProbeBytes = recorded.stdout.length;
    return recorded;
  });
  const simulator = new FleetSimulator({
    hostKey: keys.hostKey,
    clientPublicKey: keys.clientPublicKey,
    latencyMs: options.latencyMs,
    answer: (script) => recordings.answer(script),
  });
  const results: Fleet10kResults = {
    startedAt: new Date().toISOString(),
    latencyMs: options.latencyMs,
    connectTimeoutS: options.connectTimeoutS,
    checks: 0,
    recordedOn: options.recordedOn,
    recordedProbeBytes: 0,
    cases: [],
  };
  try {
    const ports = await simulator.listen();
    const inventory = (hosts: number) => {
      const path = join(dir, `inventory-${hosts}.yaml`);
      writeInventory(path, layoutOf(hosts), ports, keys);
      return path;
    };
    const common = (hosts: number, concurrency: number) => [
      'run',
      '--inventory',
      inventory(hosts),
      '--host-key',
      keys.hostKeyFingerprint,
      '--no-ssh-config',
      '--no-progress',
      '--connect-timeout',
      String(options.connectTimeoutS),
      '--concurrency',
      String(concurrency),
      options.spec,
    ];
    const sweep = async (label: string, hosts: number, concurrency: number): Promise<Fleet10kCase> => {
      options.log(`fleet10k: ${label}: ${hosts} hosts, --concurrency ${concurrency}`);
      const out = mkdtempSync(join(dir, 'reports-'));
      const files = REPORTS.map((name) => [name, join(out, `report.${name}`)] as const);
      const before = { ...simulator.stats };
      const run = await runSampled(
        [...common(hosts, concurrency), ...files.flatMap(([name, path]) => ['-r', `${name}:${path}`]), '-r', 'cli'],
        ROOT,
        100,
        3_600_000,
      );
      const reportMiB = Object.fromEntries(files.map(([name, path]) => [name, sizeMiB(path)]));
      rmSync(out, { recursive: true, force: true });
      const layout = layoutOf(hosts);
      const sweepCase: Fleet10kCase = {
        label,
        hosts,
        dead: layout.refused + layout.silent,
        concurrency,
        ...figures(run),
        probes: simulator.stats.probes - before.probes,
        logins: simulator.stats.logins - before.logins,
        reportMiB,
      };
      checkSweep(sweepCase, run);
      results.cases.push(sweepCase);
      results.recordedProbeBytes = recordedProbeBytes;
      options.onCase?.(results);
      return sweepCase;
    };
    results.checks = await recordOnce(common(1, 1), recordings);
    if (options.cases.has('high')) {
      await sweep('large, high concurrency', options.hosts, options.highConcurrency);
      if (options.smallHosts > 0) await sweep('small, high concurrency', options.smallHosts, options.highConcurrency);
    }
    if (options.cases.has('largest') && options.largestHosts > 0)
      await sweep('largest, high concurrency', options.largestHosts, options.highConcurrency);
    if (options.cases.has('sharded')) {
      results.sharded = await sharded(options, common(options.hosts, options.highConcurrency), simulator, dir);
      options.onCase?.(results);
    }
    if (options.cases.has('default')) {
      if (options.smallHosts > 0) await sweep('small, default concurrency', options.smallHosts, DEFAULT_CONCURRENCY);
      await sweep('large, default concurrency', options.hosts, DEFAULT_CONCURRENCY);
    }
    results.finishedAt = new Date().toISOString();
    options.onCase?.(results);
    return results;
  } finally {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One host, so that the simulator has its answer before any timed sweep; returns the checks per host. */
async function recordOnce(args: string[], recordings: ProbeRecordings): Promise<number> {
  const run = await runSampled([...args, '--format', 'json'], ROOT);
  if (recordings.size !== 1) throw new Error(`the recording run reached no simulated host:\n${run.stderr}`);
  const report = JSON.parse(run.stdout) as { hosts: { status: string; results: unknown[] }[] };
  const host = report.hosts[0];
  if (host?.status !== 'completed') throw new Error(`the recording run did not complete:\n${run.stdout}`);
  return host.results.length;
}

/** The shards at once, each its own process, then `driftspec merge` of their JSON results. */
async function sharded(
  options: Fleet10kOptions,
  runArgs: string[],
  simulator: FleetSimulator,
  dir: string,
): Promise<ShardedCase> {
  const { shards, hosts, highConcurrency } = options;
  options.log(`fleet10k: sharded: ${hosts} hosts in ${shards} shard processes, --concurrency ${highConcurrency}`);
  const out = mkdtempSync(join(dir, 'shards-'));
  const files = Array.from({ length: shards }, (_, i) => join(out, `shard-${i + 1}.json`));
  const before = simulator.stats.probes;
  const started = Date.now();
  const runs = await Promise.all(
    files.map((file, i) =>
      runSampled(
        [...runArgs, '--shard', `${i + 1}/${shards}`, '-r', `json:${file}`, '-r', 'cli'],
        ROOT,
        100,
        3_600_000,
      ),
    ),
  );
  const shardsMs = Date.now() - started;
  const probes = simulator.stats.probes - before;
  const merge = await runSampled(
    ['merge', ...files, ...REPORTS.flatMap((name) => ['-r', `${name}:${join(out, `merged.${name}`)}`]), '-r', 'cli'],
    ROOT,
    100,
    3_600_000,
  );
  rmSync(out, { recursive: true, force: true });
  for (const run of [...runs, merge])
    if (run.exitCode === null || run.exitCode > 2)
      throw new Error(`a shard or the merge failed (exit ${run.exitCode}):\n${run.stderr.slice(-3000)}`);
  return {
    hosts,
    shards,
    concurrency: highConcurrency,
    shardsMs,
    perShard: runs.map(figures),
    merge: figures(merge),
    probes,
  };
}

function figures(run: SweepRun): ProcessFigures {
  return {
    ms: run.ms,
    exitCode: run.exitCode,
    peakRssMiB: run.peakRssKiB / 1024,
    peakFds: run.peakFds,
    endFds: run.endFds,
  };
}

/** Every live host checked once with one exec, every dead one unreachable: else the figures mean nothing. */
function checkSweep(sweepCase: Fleet10kCase, run: SweepRun): void {
  const live = sweepCase.hosts - sweepCase.dead;
  const rows = [...run.stdout.matchAll(/^│ (?:ssh:\/\/)?h\d+\S*\s+│ (\w+)\s+│/gm)].map((row) => row[1]);
  const completed = rows.filter((status) => status === 'completed').length;
  const unreachable = rows.filter((status) => status === 'unreachable').length;
  if (run.exitCode === null || run.exitCode > 2 || completed !== live || unreachable !== sweepCase.dead)
    throw new Error(
      `the ${sweepCase.hosts}-host sweep did not end as expected (exit ${run.exitCode}, ${completed} completed, ` +
        `${unreachable} unreachable):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`,
    );
  if (sweepCase.probes !== live) throw new Error(`${sweepCase.probes} probes for ${live} live hosts`);
}

function sizeMiB(path: string): number {
  return statSync(path).size / 2 ** 20;
}
