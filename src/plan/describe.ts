import { describeValueMatcher, type ValueMatcher } from '../matchers/value.js';
import type { AnyMatcher } from '../resources/resource.js';

/** "have mode 0640", "be installed with version >= 1:9.2": the words after "should". */
export function describeExpectation(matcher: AnyMatcher, args: unknown): string {
  if (matcher.kind === 'predicate') return matcher.describe(args);
  return `${matcher.describe} ${describeValueMatcher(args as ValueMatcher, matcher.format)}`;
}
