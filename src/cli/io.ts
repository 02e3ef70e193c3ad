/** What a command reads and writes: the process's streams and environment, or a test's. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Names the running build (bin/driftspec: the bundle's code-cache key); see LoadOptions.buildId. */
  buildId?: string;
  /** Set by the command that ran: its exit code. */
  exitCode?: number;
  /** Where a fleet command learns of the user's first Ctrl-C (bin/driftspec wires SIGINT to it). */
  interrupts?: InterruptSource;
}

/** Tells its listeners of an interrupt; the function returned stops listening. */
export interface InterruptSource {
  listen(onInterrupt: () => void): () => void;
}
