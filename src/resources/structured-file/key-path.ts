import { z } from 'zod';
import {
  describeValueMatcher,
  formatActual,
  matchValue,
  ValueMatcherSchema,
  type ActualValue,
  type Scalar,
  type ValueMatcher,
} from '../../matchers/value.js';
import { FactError } from '../resource.js';

/**
 * Where a value is in a document: `db.port` (dots separate keys, `\.` is a dot inside a key,
 * `\\` a backslash; a number indexes a list), or the keys as a list (`[Session, session.save_path]`).
 */
export const KeyPathSchema = z.union([
  z.string().min(1, 'a key path is not empty'),
  z.array(z.string().min(1, 'a key is not empty')).min(1, 'a key path names at least one key'),
]);
export type KeyPath = z.infer<typeof KeyPathSchema>;

export const KeyArgsSchema = z
  .object({
    path: KeyPathSchema,
    /** What the value must match; omitted: the key only has to be there. */
    value: ValueMatcherSchema.optional(),
  })
  .strict();
export type KeyArgs = z.infer<typeof KeyArgsSchema>;

/** The keys a path names. `flat` formats (key-value files) take a text path as one key. */
export function keySegments(path: KeyPath, flat: boolean): string[] {
  if (Array.isArray(path)) return path;
  if (flat) return [path];
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i]!;
    if (char === '\\' && (path[i + 1] === '.' || path[i + 1] === '\\')) current += path[++i];
    else if (char !== '.') current += char;
    else {
      segments.push(current);
      current = '';
    }
  }
  segments.push(current);
  return segments;
}

export function describePath(path: KeyPath): string {
  return Array.isArray(path) ? JSON.stringify(path) : path;
}

export type Lookup = { found: true; value: unknown } | { found: false; missing: string };

/** The value at the keys, or how far the document goes along them. */
export function lookupKeys(document: unknown, segments: readonly string[]): Lookup {
  let current = document;
  for (let depth = 0; depth < segments.length; depth++) {
    const key = segments[depth]!;
    if (Array.isArray(current) && /^\d+$/.test(key) && Number(key) < current.length) current = current[Number(key)];
    else if (isMap(current) && Object.hasOwn(current, key)) current = current[key];
    else return { found: false, missing: segments.slice(0, depth + 1).join('.') };
  }
  return { found: true, value: current };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** A value the algebra can judge: a scalar, or a list of scalars; anything else says what it is. */
export function comparableValue(value: unknown, where: string): ActualValue {
  if (isScalar(value)) return value;
  if (Array.isArray(value) && value.every(isScalar)) return value;
  if (value === null || value === undefined) throw new FactError(`${where} is null, not a value to compare`);
  const what = Array.isArray(value) ? 'a list holding maps or lists' : 'a map';
  throw new FactError(`${where} is ${what}, not a value: name a key inside it`);
}

export function describeKey(args: KeyArgs): string {
  const where = describePath(args.path);
  if (args.value === undefined) return `have key ${where}`;
  const plain = typeof args.value !== 'object' || 'equals' in args.value;
  return `have ${where} ${plain ? 'equal to ' : ''}${describeValueMatcher(args.value)}`;
}

/**
 * Judges `key` on a parsed document. Without a value, a key that is not there is a plain "no"
 * (so `not` passes on the evidence of a parsed document without it). With a value, a missing key
 * is no evidence for the value or against it: an error, negated or not.
 */
export function judgeKey(
  document: unknown,
  args: KeyArgs,
  segments: readonly string[],
): { pass: boolean; actual: string } {
  const where = describePath(args.path);
  const found = lookupKeys(document, segments);
  if (!found.found) {
    const actual = `it has no key ${found.missing}`;
    if (args.value === undefined) return { pass: false, actual };
    throw new FactError(`${actual}, so ${where} cannot be compared`);
  }
  if (args.value === undefined) return { pass: true, actual: `it has ${where}` };
  const value = comparableValue(found.value, where);
  return { pass: matchValue(value, args.value as ValueMatcher), actual: `${where} is ${formatActual(value)}` };
}
