/**
 * An option given to a driftspec function is wrong: `option` names it as it was given
 * ("concurrency", "targets[1]", "ssh.jump[0]") and `expected` says what it takes.
 */
export class DriftspecOptionError extends Error {
  override name = 'DriftspecOptionError';
  readonly option: string;
  readonly expected: string;
  constructor(operation: string, option: string, expected: string) {
    super(`${operation}(): option "${option}": ${expected}`);
    this.option = option;
    this.expected = expected;
  }
}

/** The signal given to a driftspec function was aborted: nothing more runs, and `cause` is the signal's reason. */
export class DriftspecAbortError extends Error {
  override name = 'AbortError';
  constructor(operation: string, reason: unknown) {
    super(`${operation}() was aborted`, { cause: reason });
  }
}

/** A snapshot could not be taken: the target was unreachable or did not finish within its host timeout. */
export class SnapshotFailedError extends Error {
  override name = 'SnapshotFailedError';
  readonly target: string;
  constructor(target: string, message: string) {
    super(`${target}: ${message}`);
    this.target = target;
  }
}
