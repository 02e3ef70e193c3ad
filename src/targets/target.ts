/** What every target does: run one script, hand back its bytes and exit status. */
export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  /** Null when the process was killed by a signal or timed out. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}

export interface ExecOptions {
  timeoutMs: number;
}

export interface Target {
  /** How reports name the host: "local", "ssh://root@10.0.0.5:22". */
  readonly name: string;
  exec(script: string, options: ExecOptions): Promise<ExecResult>;
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
