import type { RunResult } from '../src/results/schema.js';
import type { Verdict } from '../src/gate/verdict.js';

/** The whole run result, as the JSON Schema from `driftspec schema result` describes it. */
export function renderJsonReport(result: RunResult, verdict: Verdict): string {
  return [...jsonReportPieces(result, verdict)].join('');
}

/**
 * The same text in pieces, a host's fields, check results and evidence one by one, for writing a
 * fleet's report without ever holding it as one string (tens of MiB at a thousand hosts, and as
 * much again while JSON.stringify builds it), nor any piece large enough to outlive a young-generation GC.
 */
export function* jsonReportPieces(result: RunResult, verdict: Verdict): Generator<string> {
  // Levels: the report, its lists (hosts), a host, the host's lists (results, evidence); their items whole.
  yield* jsonPieces({ ...result, verdict }, 4);
  yield '\n';
}

/**
 * Exactly `JSON.stringify(value, null, 2)`, in pieces: plain objects and arrays in the first
 * `levels` levels are written member by member, everything below them (and any value with a
 * `toJSON` method, which JSON.stringify calls with the key "") by JSON.stringify, indented to its
 * place. JSON strings hold no raw line breaks, so indenting after every "\n" is exact.
 */
export function* jsonPieces(value: unknown, levels: number, depth = 0): Generator<string> {
  if (depth >= levels || !isPlainContainer(value)) {
    const text = JSON.stringify(value, null, 2);
    if (text === undefined) throw new TypeError(`jsonPieces: ${typeof value} is not JSON`);
    yield depth === 0 ? text : text.replaceAll('\n', `\n${INDENT.repeat(depth)}`);
    return;
  }
  const inner = `\n${INDENT.repeat(depth + 1)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    for (let index = 0; index < value.length; index++) {
      yield `${index === 0 ? '[' : ','}${inner}`;
      const item: unknown = value[index];
      // JSON.stringify writes null for what it cannot write in a list.
      if (omitted(item)) yield 'null';
      else yield* jsonPieces(item, levels, depth + 1);
    }
    yield `\n${INDENT.repeat(depth)}]`;
    return;
  }
  let first = true;
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    // ... and leaves it out of an object.
    if (omitted(member)) continue;
    yield `${first ? '{' : ','}${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* jsonPieces(member, levels, depth + 1);
  }
  yield first ? '{}' : `\n${INDENT.repeat(depth)}}`;
}

const INDENT = '  ';

function isPlainContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || hasToJson(value)) return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function hasToJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** What JSON.stringify leaves out: values without a JSON form, and those whose toJSON gives none. */
function omitted(value: unknown): boolean {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return true;
  return hasToJson(value) && JSON.stringify(value) === undefined;
}
