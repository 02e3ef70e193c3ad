/**
 * Resolves on the event loop's next turn, after pending I/O callbacks have run. Long synchronous
 * work (reading and planning a spec) awaits it between its steps, so that the SSH connections
 * opened meanwhile move on with their handshakes instead of waiting for the whole of it.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
