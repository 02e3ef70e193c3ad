import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../support/cli.js';

/** A driftspec CLI run that a test signals mid-way: its output is collected only when asked to. */
export interface SignalledRun {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code, or the signal that ended the process. */
  ended: Promise<number | string | null>;
}

/**
 * Starts the compiled CLI. With `readStdout: false` nothing reads its stdout, so a report written
 * there waits on the full pipe: the run is held in its writing phase.
 */
export function startCli(
  args: readonly string[],
  cacheDir: string,
  options: { readStdout: boolean; env?: NodeJS.ProcessEnv } = { readStdout: true },
): SignalledRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', DRIFTSPEC_CACHE_DIR: cacheDir, SSH_AUTH_SOCK: '', ...options.env },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (options.readStdout) child.stdout!.resume();
  const ended = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  return { child, stderr: () => stderr, ended };
}

/** Polls `condition` every 50 ms until it holds, failing after `withinMs` with `what`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  withinMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
