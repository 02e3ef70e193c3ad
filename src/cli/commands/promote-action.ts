import { EXIT } from '../../gate/exit-codes.js';
import { specCacheDir } from '../../io/spec-cache-dir.js';
import { loadPlan } from '../../plan/load.js';
import { promote } from '../../promotion/promote.js';
import { createCheckRegistry } from '../../resources/loaders.js';
import { printable } from '../../text/printable.js';
import { toolVersion } from '../../version.js';
import type { PromoteFlags } from '../flags.js';
import type { CliIo } from '../io.js';

// `driftspec promote`, loaded only when the command runs (./promote.ts registers it).

/**
 * Exit 0 with the golden record written; 1 refused (the candidate failed the gate); 2 refused
 * because the run or the drift could not look everywhere. Bad or mismatching input ends in a
 * SpecError (78), an unwritable record in an OutputFileError (73), both mapped by main.ts.
 */
export async function promoteCommand(
  flags: PromoteFlags,
  io: CliIo,
  now: () => Date = () => new Date(),
): Promise<number> {
  const registry = createCheckRegistry();
  const decision = await promote({
    imageId: flags.imageId,
    runPath: flags.run,
    ...(flags.drift === undefined ? {} : { driftPath: flags.drift }),
    ...(flags.policy === undefined ? {} : { policyPath: flags.policy }),
    specPaths: flags.spec,
    ...(flags.baseline === undefined ? {} : { baselinePath: flags.baseline }),
    goldenPath: flags.golden,
    cwd: io.cwd,
    loadPlan: (paths) =>
      loadPlan(paths, {
        registry,
        cacheDir: specCacheDir(io.env),
        ...(io.buildId === undefined ? {} : { buildId: io.buildId }),
      }),
    now: now(),
    toolVersion: toolVersion(),
  });
  const image = printable(flags.imageId);
  if (decision.promoted) {
    const previous = decision.record.previous;
    const replaces = previous === null ? '' : ` (replaces ${printable(previous.imageId)})`;
    io.stdout.write(`promoted ${image}${replaces}: golden record written to ${printable(flags.golden)}\n`);
    return EXIT.passed;
  }
  const reasons = decision.reasons.map((reason) => `  - ${printable(reason)}\n`).join('');
  io.stderr.write(`driftspec promote: refused ${image}; ${printable(flags.golden)} is unchanged:\n${reasons}`);
  return decision.exitCode;
}
