import { planSpecs, spec } from '../../src/dsl/index.js';
import { runHost } from '../../src/engine/run-host.js';
import { createRegistry } from '../../src/resources/index.js';
import type { AnyResource } from '../../src/resources/resource.js';
import type { HostResult } from '../../src/results/schema.js';
import { LocalTarget } from '../../src/targets/local.js';

/** Runs a DSL body against this machine through the real probe and engine. */
export async function runLocally(body: () => void, resources?: readonly AnyResource[]): Promise<HostResult> {
  const registry = createRegistry(resources);
  const plan = planSpecs([{ definition: spec('test', body) }], registry);
  return runHost(plan, new LocalTarget(), { registry, commandTimeoutMs: 60_000 });
}

/** "status: message" per check, for assertions that show every outcome when they fail. */
export function outcomes(result: HostResult): string[] {
  return result.results.map((r) => `${r.status}: ${r.message}`);
}
