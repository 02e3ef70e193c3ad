import { z } from 'zod';
import { mapMatcherScalars, ValueMatcherSchema, type Scalar, type ValueMatcher } from '../../matchers/value.js';

/** The largest number a mode may be given as: permission bits only (see `modeProblem`). */
const LARGEST_NUMERIC_MODE = 0o777;
const OCTAL_TEXT = /^(?:0o?)?([0-7]{1,4})$/;

export function formatMode(value: Scalar): string {
  return typeof value === 'number' ? `0${value.toString(8).padStart(3, '0')}` : String(value);
}

/**
 * Why a mode cannot be read unambiguously, or undefined. Text is octal: "0640", "640" and
 * "0o640" all mean rw-r-----. A number is the mode's value, as a TypeScript `0o640` or a YAML
 * `0o640` gives it; but a number carries no notation, so `mode: 777` (decimal 777, which is
 * 0o1411) cannot be told from a mode written in octal without its leading zero. Numbers are
 * therefore taken only up to 0o777 (511); larger ones (777, 640, 999, and set-id or sticky modes)
 * are refused, to be written as octal text ('0777', '4755').
 */
export function modeProblem(value: Scalar): string | undefined {
  const hint = 'write the mode as octal text, such as \'0640\' (YAML: 0640 or "0640")';
  if (typeof value === 'string')
    return OCTAL_TEXT.test(value.trim()) ? undefined : `"${value}" is not an octal mode; ${hint}`;
  if (typeof value !== 'number') return `${String(value)} is not a mode; ${hint}`;
  if (!Number.isInteger(value) || value < 0) return `${value} is not a mode; ${hint}`;
  if (value > LARGEST_NUMERIC_MODE) {
    return (
      `the number ${value} is ambiguous as a mode (decimal ${value} is ${formatMode(value)}); ` +
      `${hint}, or 0o${value}`
    );
  }
  return undefined;
}

/** A checked mode as its number. */
export function coerceMode(value: Scalar): Scalar {
  if (typeof value !== 'string') return value;
  const match = OCTAL_TEXT.exec(value.trim());
  return match ? parseInt(match[1]!, 8) : value;
}

function refineMode(value: Scalar, ctx: z.RefinementCtx): void {
  const problem = modeProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}

export const ModeSchema = z.union([z.number(), z.string()]).superRefine(refineMode);

/** Any value matcher whose every mode is unambiguous. */
export const ModeExpectationSchema = (ValueMatcherSchema as z.ZodType<ValueMatcher>).superRefine((matcher, ctx) => {
  mapMatcherScalars(matcher, (value) => {
    refineMode(value, ctx);
    return value;
  });
});
