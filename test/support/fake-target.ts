import { END_MARKER, FRAME_HEADER } from '../../src/probe/frames.js';
import type { ExecOptions, ExecResult, Target } from '../../src/targets/target.js';
import { FakeClock } from './fake-clock.js';

// The fake clocks live in one module (./fake-clock.ts); re-exported for the tests that import it from here.
export { FakeClock };

/** One exec's answer: an error to throw, or the output for the script it was given. */
export type Answer = Error | ((script: string, options: ExecOptions) => ExecResult | Promise<ExecResult>);

/** A target that answers each exec with the next scripted answer and records what it was asked. */
export class ScriptedTarget implements Target {
  readonly name = 'ssh://root@scripted:22';
  readonly calls: { script: string; timeoutMs: number; at: number }[] = [];
  constructor(
    private readonly answers: Answer[],
    private readonly clock?: FakeClock,
    private readonly execMs = 0,
  ) {}

  async exec(script: string, options: ExecOptions): Promise<ExecResult> {
    this.calls.push({ script, timeoutMs: options.timeoutMs, at: this.clock?.now() ?? Date.now() });
    const answer = this.answers.shift();
    if (!answer) throw new Error(`exec #${this.calls.length} was not expected`);
    if (this.clock) this.clock.time += this.execMs;
    if (answer instanceof Error) throw answer;
    return answer(script, options);
  }

  async close(): Promise<void> {}
}

export const HOST_FRAME_TEXT =
  'package_manager=dpkg\ninit_system=systemd\nuid=0\nkernel=Linux\nkernel_release=6.1.0\narch=x86_64\nhostname=img\n' +
  'os_release:\nID=debian\nVERSION_ID="12"\n';

/** Probe output as the probe frames it: `DSFRAME id exit stdoutBytes stderrBytes`, then the bytes. */
export function framedOutput(
  frames: { id: string; stdout: string; exitCode?: number; stderr?: string }[],
  complete = true,
): Buffer {
  const parts: Buffer[] = [];
  for (const frame of frames) {
    const stdout = Buffer.from(frame.stdout);
    const stderr = Buffer.from(frame.stderr ?? '');
    parts.push(
      Buffer.from(`${FRAME_HEADER} ${frame.id} ${frame.exitCode ?? 0} ${stdout.length} ${stderr.length}\n`),
      stdout,
      stderr,
    );
  }
  if (complete) parts.push(Buffer.from(`${END_MARKER}\n`));
  return Buffer.concat(parts);
}

export function execResult(stdout: Buffer, overrides: Partial<ExecResult> = {}): ExecResult {
  return { stdout, stderr: Buffer.alloc(0), exitCode: 0, signal: null, timedOut: false, ...overrides };
}
