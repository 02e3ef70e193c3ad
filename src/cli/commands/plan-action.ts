import { loadPlan } from '../../plan/load.js';
import { expandSpecArguments } from '../../plan/spec-paths.js';
import { createRegistry } from '../../resources/index.js';
import { specCacheDir } from '../../io/spec-cache-dir.js';
import type { CliIo } from '../io.js';

export async function planCommand(specs: string[], io: CliIo): Promise<number> {
  const plan = await loadPlan(expandSpecArguments(specs, io.cwd), {
    registry: createRegistry(),
    cacheDir: specCacheDir(io.env),
  });
  io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  return 0;
}
