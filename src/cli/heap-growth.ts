/** From this many hosts on, a run asks V8 to collect before its heap grows far past its live data. */
export const BOUNDED_HEAP_GROWTH_HOSTS = 100;

/**
 * How far V8 lets its old generation grow past what its last full collection found live, in percent.
 * On its own V8 picks up to 300 %, and at a high concurrency the garbage of finished hosts piled
 * up to several times the live data before it collected (docs/benchmarks.md).
 */
export const HEAP_GROWING_PERCENT = 20;

/**
 * By how much V8 grows its young generation when much of it survives a scavenge: 1, not at all.
 * On its own V8 doubles it up to 16 MiB a semi-space, which a sweep's steady stream of short-lived
 * garbage reached, some 40 MiB of peak RSS at ten thousand hosts, for about a tenth of the wall time
 * (docs/benchmarks.md). Unlike its size, the growth factor can be set once the process runs.
 */
export const SEMI_SPACE_GROWTH_FACTOR = 1;

/**
 * The V8 flags a run over `hosts` hosts sets: none for a small run, and none that node was started
 * with a value of its own for (on its command line or in NODE_OPTIONS, see nodeFlags):
 * `--heap-growing-percent`, `--semi-space-growth-factor`, or the young generation's size.
 */
export function heapGrowthFlags(hosts: number, startFlags: readonly string[]): string[] {
  if (hosts < BOUNDED_HEAP_GROWTH_HOSTS) return [];
  const given = (pattern: RegExp) => startFlags.some((flag) => pattern.test(flag));
  return [
    ...(given(/^--heap[-_]growing[-_]percent\b/) ? [] : [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]),
    ...(given(/^--(?:semi[-_]space[-_]growth[-_]factor|(?:min|max)[-_]semi[-_]space[-_]size)\b/)
      ? []
      : [`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`]),
  ];
}

/**
 * Has V8 collect its old generation once it has grown HEAP_GROWING_PERCENT past its live data, and
 * keep its young generation at the size it has. Not a limit: a run that holds more still gets the
 * memory (the heap grows as before, only collected sooner), at the cost of more collections. Both
 * flags are read at each collection, so setting them once the process runs takes effect (an
 * integration test checks it of this node: test/integration/heap-growth.test.ts).
 */
export async function boundHeapGrowth(hosts: number, startFlags: readonly string[] = nodeFlags()): Promise<void> {
  const flags = heapGrowthFlags(hosts, startFlags);
  if (flags.length === 0) return;
  // Loaded by the runs that set the flags only: loading node:v8 costs a small run about half a millisecond.
  const { setFlagsFromString } = await import('node:v8');
  for (const flag of flags) setFlagsFromString(flag);
}

/** The flags node was started with: its command line's, and NODE_OPTIONS' (which execArgv leaves out). */
export function nodeFlags(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  return [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/).filter((flag) => flag !== '')];
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
