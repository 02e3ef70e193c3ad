/** From this many hosts on, a run asks V8 to collect before its heap grows far past its live data. */
export const BOUNDED_HEAP_GROWTH_HOSTS = 100;

/**
 * How far V8 lets its old generation grow past what its last full collection found live, in percent.
 * On its own V8 picks up to 300 %, and at a high concurrency the garbage of finished hosts piled
 * up to several times the live data before it collected (docs/benchmarks.md).
 */
export const HEAP_GROWING_PERCENT = 20;

/**
 * The V8 flag a run over `hosts` hosts sets, or undefined: none for a small run, nor when node
 * was started with its own `--heap-growing-percent`.
 */
export function heapGrowthFlag(hosts: number, execArgv: readonly string[]): string | undefined {
  if (hosts < BOUNDED_HEAP_GROWTH_HOSTS) return undefined;
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/**
 * Has V8 collect its old generation once it has grown HEAP_GROWING_PERCENT past its live data.
 * Not a limit: a run that holds more still gets the memory (the heap grows as before, only
 * collected sooner), at the cost of more full collections. The flag is read at each collection,
 * so setting it once the process runs takes effect.
 */
export async function boundHeapGrowth(hosts: number, execArgv: readonly string[] = process.execArgv): Promise<void> {
  const flag = heapGrowthFlag(hosts, execArgv);
  if (flag === undefined) return;
  // Loaded by the runs that set the flag only: loading node:v8 costs a small run about half a millisecond.
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString(flag);
}

/**
 * For a command given an inventory, before the inventory is read: reading ten thousand hosts
 * leaves garbage several times their entries' size, and under V8's own growth it was the run's
 * highest memory (docs/benchmarks.md). The hosts are not counted yet: any inventory counts.
 */
export function boundHeapGrowthForInventory(inventory: string | undefined): Promise<void> {
  return inventory === undefined ? Promise.resolve() : boundHeapGrowth(Number.POSITIVE_INFINITY);
}

/** For a command that holds a whole sweep's hosts (merge), however many there are. */
export function boundHeapGrowthForSweep(): Promise<void> {
  return boundHeapGrowth(Number.POSITIVE_INFINITY);
}
