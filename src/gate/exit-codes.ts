/** Documented exit codes (README, docs/cli.md). Pipelines script against these numbers. */
export const EXIT = {
  /** Every check passed or was skipped on every host. */
  passed: 0,
  /** At least one check failed; no check errored and every host was reached. */
  failed: 1,
  /** At least one check errored or a host was unreachable: the result cannot be trusted as a pass. */
  error: 2,
  /** Wrong command-line usage (unknown flag, missing argument). */
  usage: 64,
  /** A TypeScript/JavaScript spec never finished loading (a top-level await that nothing settles). */
  specStalled: 65,
  /** An internal error in driftspec itself (a bug): please report it. */
  internal: 70,
  /** A report, snapshot or generated spec could not be written (read-only, a directory, a full disk). */
  output: 73,
  /** A spec, inventory or other input file is invalid or missing. */
  config: 78,
  /** `driftspec merge` refused its shards: of different sweeps, missing, given twice, or a host in two. */
  shards: 79,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
