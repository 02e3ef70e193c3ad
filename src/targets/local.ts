import { spawn, type ChildProcess } from 'node:child_process';
import { userInfo } from 'node:os';
import { onProcessExit } from '../io/exit-hooks.js';
import { withProbeDeadline } from '../probe/script.js';
import { endSessionGracefully, killSession } from './process-session.js';
import {
  plainLaunch,
  PrivilegeError,
  sudoLaunch,
  SUDO_PASSWORD_VARIABLE,
  type ProbeLaunch,
  type SudoSettings,
} from './privilege.js';
import { StdoutCollector, type ExecOptions, type ExecResult, type Target } from './target.js';

/** driftspec's own secrets: the probe (and sudo) never inherit them. */
const SECRET_VARIABLES = [SUDO_PASSWORD_VARIABLE, 'DRIFTSPEC_SSH_PASSWORD', 'DRIFTSPEC_SSH_PASSPHRASE'];

/** How long sudo may take to pass a SIGTERM on to a timed-out probe before the pipes are dropped. */
const SUDO_TERM_GRACE_MS = 1000;

/**
 * The machine driftspec runs on: the probe goes to `/bin/sh -s` on stdin, no flags needed; with
 * sudo settings, to `sudo … -- /bin/sh -s` (see privilege.ts), started without a shell.
 */
export class LocalTarget implements Target {
  readonly name: string = 'local';
  private readonly launch: ProbeLaunch;
  /** How to end each probe still running: close() ends them, as an exit would. */
  private readonly running = new Set<() => void>();

  /** `launch` replaces the plain shell: a rootfs target starts the probe through systemd-nspawn. */
  constructor(
    shell: string = '/bin/sh',
    private readonly sudo?: SudoSettings,
    launch?: ProbeLaunch,
  ) {
    this.launch = launch ?? (sudo ? sudoLaunch(sudo, { shell, loginUser: currentUserName() }) : plainLaunch(shell));
  }

  exec(script: string, options: ExecOptions): Promise<ExecResult> {
    const [program, ...args] = this.launch.argv as [string, ...string[]];
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, {
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        env: withoutSecrets(process.env),
      });
      const stdout = new StdoutCollector(options.onStdout);
      const stderr: Buffer[] = [];
      let timedOut = false;
      let settled = false;
      let graceTimer: NodeJS.Timeout | undefined;
      // Should driftspec end while the probe runs (a signal, an exit), the probe ends with it.
      const end = () => {
        this.stop(child);
        // Under sudo, what this process may signal (everything, as root) goes at once too.
        if (this.sudo && child.pid !== undefined) killSession(child.pid);
      };
      const cancelExitHook = onProcessExit(end);
      this.running.add(end);
      const result = (code: number | null, signal: NodeJS.Signals | null): ExecResult => ({
        stdout: stdout.bytes(),
        stderr: Buffer.concat(stderr),
        exitCode: code,
        signal,
        timedOut,
      });
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(graceTimer);
        cancelExitHook();
        this.running.delete(end);
        outcome();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        this.stop(child);
        if (!this.sudo) return;
        // Whatever still holds the pipes after sudo's grace is left to the probe's watchdog.
        graceTimer = setTimeout(() => {
          killSession(child.pid ?? 0);
          child.stdout.destroy();
          child.stderr.destroy();
          finish(() => resolve(result(null, null)));
        }, SUDO_TERM_GRACE_MS);
      }, options.timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error) => finish(() => reject(this.launch.startFailure(error))));
      child.on('close', (code, signal) =>
        finish(() => {
          const exec = result(code, signal);
          const refusal = this.launch.diagnose(exec);
          if (refusal) reject(new PrivilegeError(refusal));
          else resolve(exec);
        }),
      );
      child.stdin.on('error', () => undefined);
      child.stdin.write(this.launch.stdinPrefix());
      child.stdin.end(withProbeDeadline(script, options.timeoutMs));
    });
  }

  /**
   * Ends a running probe and everything it started: the whole session it leads (command checks
   * sit in process groups of their own). A probe run as another user through sudo can only be
   * reached through sudo, which passes a SIGTERM on (the probe exits 143); its watchdog (see
   * src/probe/script.ts) ends the rest by the probe's deadline.
   */
  private stop(child: ChildProcess): void {
    if (child.pid === undefined) return;
    if (this.sudo) child.kill('SIGTERM');
    else if (this.launch.termGraceMs !== undefined) endSessionGracefully(child.pid, this.launch.termGraceMs);
    else killSession(child.pid);
  }

  /** A probe still running when its host is given up (out of time, aborted) ends with everything it started. */
  async close(): Promise<void> {
    for (const end of [...this.running]) end();
  }
}

function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of SECRET_VARIABLES) delete copy[name];
  return copy;
}

function currentUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
