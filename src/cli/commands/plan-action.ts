import { planRun } from '../../controls/host-plans.js';
import { specCacheDir } from '../../io/spec-cache-dir.js';
import { planSources } from '../../profiles/run-arguments.js';
import { createCheckRegistry } from '../../resources/loaders.js';
import { toolVersion } from '../../version.js';
import type { PlanningFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { planningFlags } from '../planning-options.js';

/**
 * `driftspec plan`: the plan `run` would check, made the same way (profiles, inputs, `--controls`,
 * `--tags`, waivers that do not run), on no host: inventory vars, which only hosts give, are not read.
 */
export async function planCommand(specs: string[], flags: PlanningFlags, io: CliIo): Promise<number> {
  const registry = createCheckRegistry();
  const cacheDir = specCacheDir(io.env);
  const sources = planSources(specs, io.cwd, { registry, cacheDir, toolVersion: toolVersion() });
  const planning = await planRun(sources.paths, {
    registry,
    cacheDir,
    ...(io.buildId === undefined ? {} : { buildId: io.buildId }),
    ...(sources.loader ? { loader: sources.loader } : {}),
    ...planningFlags(flags),
    cwd: io.cwd,
  });
  for (const warning of planning.waivers?.warnings ?? []) io.stderr.write(`driftspec: warning: ${warning}\n`);
  io.stdout.write(`${JSON.stringify(planning.plan, null, 2)}\n`);
  return 0;
}
