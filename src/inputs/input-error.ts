/**
 * A mistake in a file the user gave driftspec (a spec, inventory, policy, ignore, accepted-drift
 * or snapshot file, an SSH setting), with where it is (`file:line:col`, or control and check) and
 * what was expected. The CLI stops with exit 78 on it.
 */
export class SpecError extends Error {
  override name = 'SpecError';
  constructor(
    message: string,
    readonly location?: string,
  ) {
    super(location ? `${location}: ${message}` : message);
  }
}

/** By name, since a spec may have reached a second copy of this module. */
export function isSpecError(error: unknown): error is SpecError {
  return error instanceof Error && error.name === 'SpecError';
}
