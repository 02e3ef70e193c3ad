/**
 * Scale by simulation: a recorded probe answer from a booted instance, served by the fleet
 * simulator to many hosts at once with an injected round-trip latency and a share of dead hosts;
 * driftspec sweeps them from an inventory file as a whole process, its memory and descriptors
 * sampled from /proc.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { opensshArgs, ROOT } from '../lib/commands.js';
import type { BenchInstance } from '../lib/testbed.js';
import type { RecordedProbe } from './fleet-simulator.js';
import {
  FleetSimulator,
  makeSimKeys,
  ProbeRecordings,
  runSampled,
  writeInventory,
  type FleetLayout,
  type SweepRun,
} from './sweep.js';

export interface ScaleOptions {
  instance: BenchInstance;
  hosts: number;
  latencyMs: number;
  concurrency: number;
  spec: string;
  log: (message: string) => void;
}

/** How driftspec reports a sweep: its default report (cli) or the whole result as JSON on stdout. */
export type SweepReport = 'cli' | 'json';

export interface SweepSummary {
  layout: FleetLayout;
  report: SweepReport;
  concurrency: number;
  ms: number;
  exitCode: number | null;
  /** Size of the report driftspec printed. */
  reportBytes: number;
  completed: number;
  unreachable: number;
  /** Live hosts whose every check passed. */
  allPassed: number;
  peakRssMiB: number;
  peakFds: number;
  endFds: number;
  /** The simulator's count of probes it answered: one per live host means one exec per host. */
  probes: number;
  logins: number;
  /** [seconds since start, RSS MiB, open descriptors], thinned to about 40 points. */
  timeline: [number, number, number][];
}

export interface ScaleResults {
  latencyMs: number;
  concurrency: number;
  connectTimeoutS: number;
  checks: number;
  recordedProbeBytes: number;
  small: SweepSummary;
  /** The large sweep with the default report. */
  large: SweepSummary;
  /** The same sweep with every host's result and evidence as JSON on stdout. */
  largeJson: SweepSummary;
  /** The large sweep with the default report at driftspec's default --concurrency (16). */
  largeDefaultConcurrency: SweepSummary;
  /** Descriptors open after the large sweeps minus those after the small one (the most of the two). */
  fdGrowth: number;
}

const CONNECT_TIMEOUT_S = 5;
/** driftspec's own default for --concurrency. */
const DEFAULT_CONCURRENCY = 16;

export async function runScaleBenchmark(options: ScaleOptions): Promise<ScaleResults> {
  const dir = mkdtempSync('/tmp/driftspec-bench-sim-');
  const keys = makeSimKeys(dir);
  let recordedBytes = 0;
  const recordings = new ProbeRecordings(async (script) => {
    const recorded = await recordOnInstance(options.instance, script);
    recordedBytes = recorded.stdout.length;
    return recorded;
  });
  const simulator = new FleetSimulator({
    hostKey: keys.hostKey,
    clientPublicKey: keys.clientPublicKey,
    latencyMs: options.latencyMs,
    answer: (script) => recordings.answer(script),
  });
  try {
    const ports = await simulator.listen();
    const sweep = async (
      layout: FleetLayout,
      report: SweepReport,
      concurrency = options.concurrency,
    ): Promise<SweepSummary> => {
      const inventory = join(dir, `inventory-${layout.hosts}.yaml`);
      writeInventory(inventory, layout, ports, keys);
      const before = { ...simulator.stats };
      const run = await runSampled(
        [
          'run',
          '--inventory',
          inventory,
          '--host-key',
          keys.hostKeyFingerprint,
          '--no-ssh-config',
          '--no-progress',
          '--format',
          report,
          '--connect-timeout',
          String(CONNECT_TIMEOUT_S),
          '--concurrency',
          String(concurrency),
          options.spec,
        ],
        ROOT,
      );
      return {
        ...summarize(
          layout,
          report,
          run,
          simulator.stats.probes - before.probes,
          simulator.stats.logins - before.logins,
          checks,
        ),
        concurrency,
      };
    };
    const checks = await checkCount(options.spec);
    options.log('scale: recording the probe answer on a booted instance');
    const recording = await sweep({ hosts: 1, refused: 0, silent: 0 }, 'json');
    if (recording.allPassed !== 1 || recordings.size !== 1)
      throw new Error(`the recording run did not pass on the simulator: ${JSON.stringify(recording)}`);
    options.log('scale: small sweep (20 hosts)');
    const small = await sweep({ hosts: 20, refused: 1, silent: 1 }, 'json');
    const deadEach = Math.round(options.hosts * 0.025);
    const layout = { hosts: options.hosts, refused: deadEach, silent: deadEach };
    options.log(`scale: large sweep (${options.hosts} hosts, default report)`);
    const large = await sweep(layout, 'cli');
    options.log(`scale: large sweep (${options.hosts} hosts, JSON report)`);
    const largeJson = await sweep(layout, 'json');
    options.log(`scale: large sweep (${options.hosts} hosts, default report, default concurrency)`);
    const largeDefaultConcurrency = await sweep(layout, 'cli', DEFAULT_CONCURRENCY);
    for (const summary of [small, large, largeJson, largeDefaultConcurrency]) {
      const dead = summary.layout.refused + summary.layout.silent;
      const live = summary.layout.hosts - dead;
      if (summary.allPassed !== live || summary.unreachable !== dead || summary.probes !== live) {
        throw new Error(
          `the ${summary.layout.hosts}-host sweep (${summary.report}) did not end as expected: ` +
            `${JSON.stringify({ ...summary, timeline: undefined })}`,
        );
      }
    }
    return {
      latencyMs: options.latencyMs,
      concurrency: options.concurrency,
      connectTimeoutS: CONNECT_TIMEOUT_S,
      checks,
      recordedProbeBytes: recordedBytes,
      small,
      large,
      largeJson,
      largeDefaultConcurrency,
      fdGrowth: Math.max(large.endFds, largeJson.endFds, largeDefaultConcurrency.endFds) - small.endFds,
    };
  } finally {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarize(
  layout: FleetLayout,
  report: SweepReport,
  run: SweepRun,
  probes: number,
  logins: number,
  checks: number,
): Omit<SweepSummary, 'concurrency'> {
  const hosts = report === 'json' ? hostsFromJson(run) : hostsFromCliReport(run);
  const step = Math.max(1, Math.ceil(run.samples.length / 40));
  return {
    layout,
    report,
    ms: run.ms,
    exitCode: run.exitCode,
    reportBytes: Buffer.byteLength(run.stdout),
    completed: hosts.filter((host) => host.status === 'completed').length,
    unreachable: hosts.filter((host) => host.status === 'unreachable').length,
    allPassed: hosts.filter((host) => host.status === 'completed' && host.passed === checks && host.failedOrError === 0)
      .length,
    peakRssMiB: run.peakRssKiB / 1024,
    peakFds: run.peakFds,
    endFds: run.endFds,
    probes,
    logins,
    timeline: run.samples
      .filter((_, index) => index % step === 0)
      .map((s) => [round(s.atMs / 1000), round(s.rssKiB / 1024), s.fds]),
  };
}

interface HostOutcome {
  status: string;
  passed: number;
  failedOrError: number;
}

function hostsFromJson(run: SweepRun): HostOutcome[] {
  let report: { hosts: { status: string; counts?: { passed: number; failed: number; error: number } }[] };
  try {
    report = JSON.parse(run.stdout) as typeof report;
  } catch {
    throw new Error(`driftspec printed no JSON report (exit ${run.exitCode}):\n${run.stderr.slice(-3000)}`);
  }
  return report.hosts.map((host) => ({
    status: host.status,
    passed: host.counts?.passed ?? 0,
    failedOrError: (host.counts?.failed ?? 0) + (host.counts?.error ?? 0),
  }));
}

/** The per-host table of the default report: `│ name │ status │ passed │ failed │ error │ skipped │`. */
function hostsFromCliReport(run: SweepRun): HostOutcome[] {
  const rows = [
    ...run.stdout.matchAll(/^│ (?:ssh:\/\/)?h\d+\S*\s+│ (\w+)\s+│ (\d+)\s+│ (\d+)\s+│ (\d+)\s+│ \d+\s+│$/gm),
  ];
  if (rows.length === 0)
    throw new Error(
      `no per-host table in the default report (exit ` +
        `${run.exitCode}):\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`,
    );
  return rows.map((row) => ({
    status: row[1]!,
    passed: Number(row[2]),
    failedOrError: Number(row[3]) + Number(row[4]),
  }));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function checkCount(spec: string): Promise<number> {
  const plan = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/driftspec', 'plan', spec], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`driftspec plan exited ${code}`))));
  });
  return (JSON.parse(plan) as { checks: unknown[] }).checks.length;
}

/**
 * Runs a probe script on the booted instance through OpenSSH exactly as driftspec sends it
 * (`/bin/sh -s`, script on stdin).
 */
export function recordOnInstance(instance: BenchInstance, script: string): Promise<RecordedProbe> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...opensshArgs(instance), '/bin/sh -s'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === null || code === 255)
        return reject(
          new Error(`recording the probe over OpenSSH failed (exit ${code}): ${Buffer.concat(stderr).toString()}`),
        );
      resolve({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exitCode: code });
    });
    child.stdin.end(script);
  });
}
