import { readJsonInput } from '../promotion/inputs.js';
import { RunResultSchema, type RunResult } from '../results/schema.js';

/** A shard's result as `driftspec run --shard K/N --reporter json:FILE` writes it; a SpecError (exit 78) otherwise. */
export function readShardResult(path: string, cwd: string): RunResult {
  return readJsonInput(
    path,
    cwd,
    'shardResult',
    RunResultSchema,
    'a shard result (driftspec run --shard K/N --reporter json:FILE)',
  );
}
