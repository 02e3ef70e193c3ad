/** Whole-process timings: from spawn to exit, stdout and stderr collected. */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface ProcessRun {
  ms: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface Invocation {
  command: string;
  args: readonly string[];
  /** A file given to the process as its stdin (the floor's probe). */
  stdinFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Killed after this long: a benchmark never hangs. */
  timeoutMs?: number;
}

export function timeProcess(invocation: Invocation): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const stdin = invocation.stdinFile ? openSync(invocation.stdinFile, 'r') : 'ignore';
    const started = process.hrtime.bigint();
    const child = spawn(invocation.command, invocation.args, {
      stdio: [stdin, 'pipe', 'pipe'],
      env: invocation.env ?? process.env,
      cwd: invocation.cwd,
    });
    if (typeof stdin === 'number') closeSync(stdin);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), invocation.timeoutMs ?? 600_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        exitCode: code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** Several processes started together; the time until the last one has exited. */
export async function timeParallel(invocations: readonly Invocation[]): Promise<{ ms: number; runs: ProcessRun[] }> {
  const started = process.hrtime.bigint();
  const runs = await Promise.all(invocations.map(timeProcess));
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, runs };
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The value below which the fraction `q` of the values lie, interpolated between the two nearest. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * A distribution-free interval that holds the true median with at least 95 % confidence: the
 * sorted values at the ranks where a Binomial(n, ½) count leaves at most 2.5 % outside on each
 * side. Undefined for fewer than 6 values, where no such ranks exist.
 */
export function medianInterval95(values: readonly number[]): [number, number] | undefined {
  const n = values.length;
  let below = 0;
  let lowRank = -1;
  for (let k = 0, p = 0.5 ** n; k < n && below + p <= 0.025; k++) {
    below += p;
    lowRank = k;
    p = (p * (n - k)) / (k + 1);
  }
  if (lowRank < 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[lowRank]!, sorted[n - 1 - lowRank]!];
}

/** The ratio of each pair: the subject's run divided by the base's run of the same round. */
export function pairedRatios(subject: readonly number[], base: readonly number[]): number[] {
  return subject.map((ms, round) => ms / base[round]!);
}

/** The median of the per-round ratios of a subject to its floor. */
export function pairedRatio(subject: readonly number[], floor: readonly number[]): number {
  return median(pairedRatios(subject, floor));
}
