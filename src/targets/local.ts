import { spawn } from 'node:child_process';
import type { ExecOptions, ExecResult, Target } from './target.js';

/** The machine driftspec runs on: the probe goes to `/bin/sh -s` on stdin, no flags needed. */
export class LocalTarget implements Target {
  readonly name = 'local';
  constructor(private readonly shell: string = '/bin/sh') {}

  exec(script: string, options: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.shell, ['-s'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid);
      }, options.timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exitCode: code, signal, timedOut });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(script);
    });
  }

  async close(): Promise<void> {}
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
