/** What every target does: run one script, hand back its bytes and exit status. */
export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  /** Null when the process was killed by a signal or timed out. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}

/** The steps of reaching a host and running one probe on it, in order (`--timings`). */
export type HostPhase = 'tcp-connected' | 'ssh-ready' | 'probe-sent' | 'first-byte' | 'probe-done';

/** Told of each step as it happens; a target without such steps tells nothing. */
export type PhaseListener = (phase: HostPhase) => void;

export interface ExecOptions {
  timeoutMs: number;
  /** Told when the connection (if this exec opens it) and the probe reach each step. */
  onPhase?: PhaseListener;
  /**
   * Streams stdout: each chunk is handed over as it arrives and not kept, so a large output
   * (a snapshot's file tree) never sits in memory whole. The result's stdout then holds only the
   * first STREAMED_STDOUT_HEAD_BYTES, enough to diagnose a probe that never started.
   */
  onStdout?: (chunk: Buffer) => void;
}

export const STREAMED_STDOUT_HEAD_BYTES = 64 * 1024;

/** Collects stdout whole, or streams it to `onStdout` keeping only its head. */
export class StdoutCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;

  constructor(private readonly onStdout: ((chunk: Buffer) => void) | undefined) {}

  add(chunk: Buffer): void {
    if (!this.onStdout) {
      this.chunks.push(chunk);
      return;
    }
    if (this.kept < STREAMED_STDOUT_HEAD_BYTES) {
      const head = chunk.subarray(0, STREAMED_STDOUT_HEAD_BYTES - this.kept);
      this.chunks.push(Buffer.from(head));
      this.kept += head.length;
    }
    this.onStdout(chunk);
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export interface Target {
  /** How reports name the host: "local", "ssh://root@10.0.0.5:22". */
  readonly name: string;
  /**
   * False for an image's root that is not running (`rootfs:`): checks that need a running system
   * are then not applicable and their facts are not gathered. Absent means booted.
   */
  readonly booted?: boolean;
  exec(script: string, options: ExecOptions): Promise<ExecResult>;
  /**
   * Starts connecting at once, before the first exec asks for it, so that the handshake runs while
   * the spec is read and planned. Its outcome, a failure too, is the first exec's connection.
   */
  connectEarly?(onPhase?: PhaseListener): void;
  close(): Promise<void>;
}

export const UnreachableKinds = ['refused', 'timeout', 'dns', 'auth', 'host-key', 'network', 'other'] as const;
export type UnreachableKind = (typeof UnreachableKinds)[number];

/** The host could not be reached or would not run the probe: that host's result, never a crash. */
export class TargetUnreachableError extends Error {
  override name = 'TargetUnreachableError';
  constructor(
    readonly kind: UnreachableKind,
    message: string,
  ) {
    super(message);
  }
}
