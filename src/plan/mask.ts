import { shellQuote } from '../probe/quote.js';
import { MASK } from './inputs.js';

/**
 * The forms a sensitive value takes in text: as written, and as the probe script quotes it (a
 * value with a `'` is written `'\''` there). Longer forms first, so that no part of one is left.
 */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    if (!secret.includes('\0')) forms.add(shellQuote(secret).slice(1, -1));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** The text with every sensitive value replaced by ***. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const form of secretForms(secrets)) masked = masked.replaceAll(form, MASK);
  return masked;
}

/** A copy of plain data (a host's result) with every string masked; keys stay as they are. */
export function maskSecretsDeep<T>(value: T, secrets: readonly string[]): T {
  const forms = secretForms(secrets);
  if (forms.length === 0) return value;
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return forms.reduce((text, form) => text.replaceAll(form, MASK), item);
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === 'object')
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, walk(inner)]));
    return item;
  };
  return walk(value) as T;
}
