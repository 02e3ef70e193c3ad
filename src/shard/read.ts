import { z } from 'zod';
import { SpecError } from '../inputs/input-error.js';
import { JsonMemberScanner } from '../inputs/json-members.js';
import { readInputPieces } from '../inputs/read.js';
import { formatZodIssues } from '../inputs/zod-issues.js';
import { HostResultSchema, RunResultSchema, type HostResult, type RunResult } from '../results/schema.js';

const EXPECTED = 'a shard result (driftspec run --shard K/N --reporter json:FILE)';

/** No one host's result (nor any other member of the file) may be larger: 256 Mi characters. */
const MAX_VALUE_CHARS = 256 * 1024 * 1024;

/** A shard's result as `driftspec run --shard K/N --reporter json:FILE` writes it; a SpecError (exit 78) otherwise. */
export function readShardResult(path: string, cwd: string): RunResult {
  const hosts: HostResult[] = [];
  const result = streamShardResult(path, cwd, (host) => void hosts.push(host));
  return { ...result, hosts };
}

/**
 * The same file read host by host: each host's result, checked, goes to `onHost` as it is read
 * and is not kept, so that a shard of any size is read in the memory of one host. Returns the
 * rest of the result, checked, with an empty `hosts`.
 */
export function streamShardResult(path: string, cwd: string, onHost: (host: HostResult) => void): RunResult {
  const members: Record<string, unknown> = {};
  const scanner = new JsonMemberScanner(
    path,
    'hosts',
    {
      member: (key, text) => void (members[key] = parseValue(text, path, key)),
      item: (index, text) => onHost(checkedHost(parseValue(text, path, `hosts.${index}`), index, path)),
    },
    MAX_VALUE_CHARS,
    `expected a JSON object: ${EXPECTED}`,
  );
  for (const piece of readInputPieces(path, 'shardResult', cwd)) scanner.push(piece);
  scanner.end();
  const parsed = RunResultSchema.safeParse(members);
  if (!parsed.success) throw new SpecError(`not ${EXPECTED}: ${formatZodIssues(parsed.error)}`, path);
  return parsed.data;
}

function parseValue(text: string, path: string, at: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SpecError(`not JSON: at ${at}: ${(error as Error).message.slice(0, 300)}`, path);
  }
}

function checkedHost(value: unknown, index: number, path: string): HostResult {
  const parsed = HostResultSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ ...issue, path: ['hosts', index, ...issue.path] }));
  throw new SpecError(`not ${EXPECTED}: ${formatZodIssues(new z.ZodError(issues))}`, path);
}
