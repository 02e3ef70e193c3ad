/** A spec module that can never finish loading; the CLI exits with its own code (docs/cli.md). */
export class SpecStalledError extends Error {
  override name = 'SpecStalledError';
}

/** By name, like isSpecError. */
export function isSpecStalledError(error: unknown): error is SpecStalledError {
  return error instanceof Error && error.name === 'SpecStalledError';
}
