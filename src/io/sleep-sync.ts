/** Blocks the thread for `ms`: for exit hooks and release steps, which must finish synchronously. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
