/**
 * Runs `action` when this process exits (a normal end, `process.exit`, and the CLI's signal
 * handlers, which exit through it): for what must not outlive a run, such as a probe's processes
 * or a temporary file. The action must be synchronous. Returns the function that cancels it.
 */
export function onProcessExit(action: () => void): () => void {
  const limit = process.getMaxListeners();
  // Every hook is one listener, held only while its resource lives; many at once are expected.
  if (limit !== 0) process.setMaxListeners(limit + 1);
  process.once('exit', action);
  let cancelled = false;
  return () => {
    if (cancelled) return;
    cancelled = true;
    process.off('exit', action);
    const current = process.getMaxListeners();
    if (current !== 0) process.setMaxListeners(Math.max(current - 1, 10));
  };
}
