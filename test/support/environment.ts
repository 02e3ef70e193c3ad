/**
 * In CI nothing a test needs may be missing: a skip there would hide a gap, so it fails instead.
 * Elsewhere (a developer's machine) the test is skipped with the reason.
 */
export function requireInCi(context: Mocha.Context, reason: string): void {
  if (process.env.CI === 'true') throw new Error(`required in CI but unavailable: ${reason}`);
  context.skip();
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
