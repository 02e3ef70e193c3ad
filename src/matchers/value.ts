import { z } from 'zod';

/**
 * The value-matcher algebra shared by every attribute matcher: a plain value means equality,
 * an object with one key names the comparison. Plain data, so a plan stays serialisable and a
 * YAML spec can say the same as a TypeScript one.
 */
export const ScalarSchema = z.union([z.string(), z.number(), z.boolean()]);
export type Scalar = z.infer<typeof ScalarSchema>;

export type ValueMatcher =
  | Scalar
  | { equals: Scalar }
  | { matches: string; flags?: string }
  | { contains: Scalar | Scalar[] }
  | { gt: number }
  | { ge: number }
  | { lt: number }
  | { le: number }
  | { oneOf: Scalar[] }
  | { not: ValueMatcher }
  | { allOf: ValueMatcher[] }
  | { anyOf: ValueMatcher[] };

const regexFlags = z.string().regex(/^[imsu]*$/, 'regular expression flags may only be i, m, s and u');

export const ValueMatcherSchema: z.ZodType<ValueMatcher> = z.lazy(() =>
  z.union([
    ScalarSchema,
    z.object({ equals: ScalarSchema }).strict(),
    z
      .object({
        matches: z.string().refine(isValidRegex, 'not a valid regular expression'),
        flags: regexFlags.optional(),
      })
      .strict(),
    z.object({ contains: z.union([ScalarSchema, z.array(ScalarSchema).min(1)]) }).strict(),
    z.object({ gt: z.number() }).strict(),
    z.object({ ge: z.number() }).strict(),
    z.object({ lt: z.number() }).strict(),
    z.object({ le: z.number() }).strict(),
    z.object({ oneOf: z.array(ScalarSchema).min(1) }).strict(),
    z.object({ not: ValueMatcherSchema }).strict(),
    z.object({ allOf: z.array(ValueMatcherSchema).min(1) }).strict(),
    z.object({ anyOf: z.array(ValueMatcherSchema).min(1) }).strict(),
  ]),
);

/** What the DSL accepts: the plain-data forms plus a real RegExp. */
export type ValueExpectation = ValueMatcher | RegExp;

export function toValueMatcher(expected: ValueExpectation): ValueMatcher {
  if (expected instanceof RegExp) {
    const flags = expected.flags.replace(/[gy]/g, '');
    return flags ? { matches: expected.source, flags } : { matches: expected.source };
  }
  return expected;
}

export function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** An attribute's actual value as facts give it: one value or a list. */
export type ActualValue = Scalar | readonly Scalar[];

/**
 * Against a list (groups, mount options, addresses), a plain value, `equals`, `oneOf` and the
 * numeric comparisons ask whether SOME element matches, so their negation means that none does;
 * `contains` asks for every listed element.
 */
export function matchValue(actual: ActualValue, matcher: ValueMatcher): boolean {
  if (typeof matcher === 'object' && 'not' in matcher) return !matchValue(actual, matcher.not);
  if (typeof matcher === 'object' && 'allOf' in matcher) return matcher.allOf.every((m) => matchValue(actual, m));
  if (typeof matcher === 'object' && 'anyOf' in matcher) return matcher.anyOf.some((m) => matchValue(actual, m));
  if (typeof matcher === 'object' && 'contains' in matcher) return containsAll(actual, matcher.contains);
  if (isList(actual)) return actual.some((element) => matchScalar(element, matcher));
  return matchScalar(actual, matcher);
}

function isList(actual: ActualValue): actual is readonly Scalar[] {
  return Array.isArray(actual);
}

function matchScalar(actual: Scalar, matcher: ValueMatcher): boolean {
  if (typeof matcher !== 'object') return scalarEquals(actual, matcher);
  if ('equals' in matcher) return scalarEquals(actual, matcher.equals);
  if ('matches' in matcher) return new RegExp(matcher.matches, matcher.flags).test(String(actual));
  if ('oneOf' in matcher) return matcher.oneOf.some((v) => scalarEquals(actual, v));
  if ('gt' in matcher || 'ge' in matcher || 'lt' in matcher || 'le' in matcher) return compareNumber(actual, matcher);
  return matchValue(actual, matcher);
}

function scalarEquals(actual: Scalar, expected: Scalar): boolean {
  if (typeof expected === 'number') {
    const n = toNumber(actual);
    return n !== undefined && n === expected;
  }
  if (typeof expected === 'boolean') return actual === expected || String(actual) === String(expected);
  return String(actual) === expected;
}

function toNumber(value: Scalar): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return undefined;
  const trimmed = value.trim();
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

function containsAll(actual: ActualValue, wanted: Scalar | Scalar[]): boolean {
  const items = Array.isArray(wanted) ? wanted : [wanted];
  if (Array.isArray(actual)) return items.every((w) => actual.some((a) => scalarEquals(a, w)));
  const text = String(actual);
  return items.every((w) => text.includes(String(w)));
}

function compareNumber(
  actual: Scalar,
  matcher: { gt: number } | { ge: number } | { lt: number } | { le: number },
): boolean {
  const n = toNumber(actual);
  if (n === undefined) return false;
  if ('gt' in matcher) return n > matcher.gt;
  if ('ge' in matcher) return n >= matcher.ge;
  if ('lt' in matcher) return n < matcher.lt;
  return n <= matcher.le;
}

/** Reads like the tail of "expected X to have mode …": `0640`, `matching /x/m`, `greater than 5`. */
export function describeValueMatcher(matcher: ValueMatcher, format: (v: Scalar) => string = formatScalar): string {
  if (typeof matcher !== 'object') return format(matcher);
  if ('equals' in matcher) return format(matcher.equals);
  if ('matches' in matcher) return `matching /${matcher.matches}/${matcher.flags ?? ''}`;
  if ('contains' in matcher) {
    const items = Array.isArray(matcher.contains) ? matcher.contains : [matcher.contains];
    return `containing ${items.map(format).join(', ')}`;
  }
  if ('oneOf' in matcher) return `one of ${matcher.oneOf.map(format).join(', ')}`;
  if ('not' in matcher) return `not ${describeValueMatcher(matcher.not, format)}`;
  if ('allOf' in matcher) return matcher.allOf.map((m) => describeValueMatcher(m, format)).join(' and ');
  if ('anyOf' in matcher) return matcher.anyOf.map((m) => describeValueMatcher(m, format)).join(' or ');
  if ('gt' in matcher) return `greater than ${matcher.gt}`;
  if ('ge' in matcher) return `at least ${matcher.ge}`;
  if ('lt' in matcher) return `less than ${matcher.lt}`;
  return `at most ${matcher.le}`;
}

export function formatScalar(value: Scalar): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export function formatActual(actual: ActualValue, format: (v: Scalar) => string = formatScalar): string {
  if (Array.isArray(actual)) return `[${actual.map(format).join(', ')}]`;
  return format(actual as Scalar);
}

/** Applies a coercion (such as octal mode strings to numbers) to every scalar inside a matcher. */
export function mapMatcherScalars(matcher: ValueMatcher, coerce: (v: Scalar) => Scalar): ValueMatcher {
  if (typeof matcher !== 'object') return coerce(matcher);
  if ('equals' in matcher) return { equals: coerce(matcher.equals) };
  if ('oneOf' in matcher) return { oneOf: matcher.oneOf.map(coerce) };
  if ('contains' in matcher)
    return { contains: Array.isArray(matcher.contains) ? matcher.contains.map(coerce) : coerce(matcher.contains) };
  if ('not' in matcher) return { not: mapMatcherScalars(matcher.not, coerce) };
  if ('allOf' in matcher) return { allOf: matcher.allOf.map((m) => mapMatcherScalars(m, coerce)) };
  if ('anyOf' in matcher) return { anyOf: matcher.anyOf.map((m) => mapMatcherScalars(m, coerce)) };
  return matcher;
}
