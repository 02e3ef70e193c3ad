import { createHash } from 'node:crypto';

/** `sha256:` and the hex digest of `text` (UTF-8). */
export function sha256Tag(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/**
 * JSON with every object's keys sorted, so two values that are equal as data hash alike however
 * their keys were ordered when they were built (a policy's defaults, a spec's options).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** The hash of a value as data: what shards compare to know they ran the same plan or policy. */
export function valueHash(value: unknown): string {
  return sha256Tag(canonicalJson(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}
