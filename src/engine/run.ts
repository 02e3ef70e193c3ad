import type { Plan } from '../plan/schema.js';
import { addCounts, emptyCounts, RESULT_SCHEMA_VERSION, timestamp, type HostResult, type RunResult } from '../results/schema.js';
import type { Target } from '../targets/target.js';
import { runHost, type RunHostOptions } from './run-host.js';

export interface RunOptions extends RunHostOptions {
  toolVersion: string;
  /** How many hosts run at once. */
  concurrency: number;
  onHostDone?: (result: HostResult) => void;
}

/** Runs the plan on every target; each host ends in its own result, none stops another. */
export async function runPlan(plan: Plan, targets: readonly Target[], options: RunOptions): Promise<RunResult> {
  const startedAt = timestamp();
  const hosts = new Array<HostResult>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index]!;
      try {
        hosts[index] = await runHost(plan, target, options);
      } finally {
        await target.close().catch(() => undefined);
      }
      options.onHostDone?.(hosts[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, targets.length)) }, worker));
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'driftspec', version: options.toolVersion },
    startedAt,
    finishedAt: timestamp(),
    specs: plan.specs,
    controls: plan.controls,
    counts: hosts.reduce((sum, h) => addCounts(sum, h.counts), emptyCounts()),
    hosts,
  };
}
