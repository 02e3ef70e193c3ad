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
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The ratio of each pair (subject run / floor run of the same round), then their median. */
export function pairedRatio(subject: readonly number[], floor: readonly number[]): number {
  return median(subject.map((ms, round) => ms / floor[round]!));
}
