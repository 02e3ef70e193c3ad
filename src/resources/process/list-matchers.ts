import { z } from 'zod';
import { isValidRegex, ScalarSchema, type Scalar } from '../../matchers/value.js';

// ---------------------------------------------------------------------------------------------
// Expectations on lists (users, command lines, owning processes, addresses).
//
// A plain `user: root` against a list would read as "some element is root", which is easy to
// mistake for "all are root". These list attributes therefore accept only forms that say which:
// `contains` (every wanted item is an element), `matches` (some element matches), and
// `not` / `allOf` / `anyOf` of those.
// ---------------------------------------------------------------------------------------------

export type ListMatcher =
  | { contains: Scalar | Scalar[] }
  | { matches: string; flags?: string }
  | { not: ListMatcher }
  | { allOf: ListMatcher[] }
  | { anyOf: ListMatcher[] };

/** What the DSL accepts for a list attribute: a list matcher or a RegExp (some element matches). */
export type ListExpectation = ListMatcher | RegExp;

const LIST_MATCHER_HINT =
  'this attribute is a list: expect { contains: x } (x is one of its elements), { matches: regex } ' +
  '(some element matches), or not / allOf / anyOf of those; a plain value would not say whether one or all are meant';

export const ListMatcherSchema: z.ZodType<ListMatcher> = z.lazy(() =>
  z.union(
    [
      z.object({ contains: z.union([ScalarSchema, z.array(ScalarSchema).min(1)]) }).strict(),
      z
        .object({
          matches: z.string().refine(isValidRegex, 'not a valid regular expression'),
          flags: z
            .string()
            .regex(/^[imsu]*$/, 'regular expression flags may only be i, m, s and u')
            .optional(),
        })
        .strict(),
      z.object({ not: ListMatcherSchema }).strict(),
      z.object({ allOf: z.array(ListMatcherSchema).min(1) }).strict(),
      z.object({ anyOf: z.array(ListMatcherSchema).min(1) }).strict(),
    ],
    { error: LIST_MATCHER_HINT },
  ),
);
