// ProxyCommand as OpenSSH runs it: `exec <command>` under /bin/sh, its stdin and stdout the SSH
// transport, its stderr kept for the message when it fails. It never outlives the connection.
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { onProcessExit } from '../io/exit-hooks.js';

/** How much of the command's stderr a message quotes (its end, where the reason usually is). */
const STDERR_TAIL_CHARS = 600;
/** After SIGTERM, how long the command may take to go before SIGKILL. */
const KILL_GRACE_MS = 1000;

/** A ProxyCommand with its tokens replaced, and the ssh_config line or option it came from. */
export interface ProxyCommandSetting {
  command: string;
  source: string;
}

export interface ProxyExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ProxyCommandProcess {
  /** The command's stdout (read) and stdin (written), as one stream for ssh2's `sock`. */
  readonly stream: Duplex;
  /** Settles when the command has exited, or could not be started (code null, signal null). */
  readonly exited: Promise<ProxyExit>;
  private exit: ProxyExit | undefined;
  private startError: Error | undefined;
  private stderr = '';
  private killed = false;
  private readonly child: ChildProcess;
  private readonly cancelExitHook: () => void;

  constructor(readonly setting: ProxyCommandSetting) {
    // Its own process group, so that a pipeline's every process goes with it.
    this.child = spawn('/bin/sh', ['-c', `exec ${setting.command}`], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.cancelExitHook = onProcessExit(() => this.signal('SIGKILL'));
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL_CHARS * 2);
    });
    // A write after the command has gone fails with EPIPE: the exit says why, not the write.
    this.child.stdin!.on('error', () => undefined);
    this.stream = Duplex.from({ readable: this.child.stdout!, writable: this.child.stdin! });
    this.stream.on('error', () => undefined);
    this.stream.once('close', () => this.kill());
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.startError = error;
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /**
   * SIGTERM to the command's process group, SIGKILL a moment later: the group, not only the
   * command, which may have exited and left a helper behind (aws ssm's session plugin).
   */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.signal('SIGTERM');
    const timer = setTimeout(() => {
      this.signal('SIGKILL');
      this.cancelExitHook();
    }, KILL_GRACE_MS);
    timer.unref();
  }

  describeCommand(): string {
    return `ProxyCommand "${this.setting.command}" (${this.setting.source})`;
  }

  describeTimeout(seconds: number): string {
    return (
      `no SSH login through ${this.describeCommand()} within the ${seconds} s connect timeout` +
      (this.stderrTail() ? `; it wrote: ${this.stderrTail()}` : '')
    );
  }

  /** Why the transport ended: how the command exited and the end of what it wrote to stderr. */
  describeEnd(): string {
    const name = this.describeCommand();
    if (this.startError) return `${name} could not be started: ${this.startError.message}`;
    const how = !this.exit
      ? 'closed its output'
      : this.exit.signal
        ? `was ended by ${this.exit.signal}`
        : `exited with status ${this.exit.code}`;
    const stderr = this.stderrTail();
    return `${name} ${how} before SSH finished logging in${stderr ? `: ${stderr}` : ' (it wrote nothing to stderr)'}`;
  }

  private stderrTail(): string {
    return this.stderr
      .trim()
      .slice(-STDERR_TAIL_CHARS)
      .replace(/\s*\n\s*/g, ' | ');
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}
