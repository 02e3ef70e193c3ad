// Imported first so that chai's declarations come before the augmentation below, whose overload of
// expect() then takes precedence over chai's `(val: any)`.
import type {} from 'chai';
import type { AnyResource, AttributeMatcher, PredicateMatcher } from '../resources/resource.js';
import type { PORT_PROTOCOLS } from '../resources/port/sockets.js';
import type { Subject } from './host.js';

type PredicateParams<A> = {} extends A ? [args?: A] : [args: A];

/** chai's words that only make an assertion read well; `not` negates the words after it. */
export interface LanguageChains<Res extends AnyResource> extends PromiseLike<void> {
  readonly to: SubjectAssertion<Res>;
  readonly be: SubjectAssertion<Res>;
  readonly been: SubjectAssertion<Res>;
  readonly is: SubjectAssertion<Res>;
  readonly that: SubjectAssertion<Res>;
  readonly which: SubjectAssertion<Res>;
  readonly and: SubjectAssertion<Res>;
  readonly has: SubjectAssertion<Res>;
  readonly have: SubjectAssertion<Res>;
  readonly with: SubjectAssertion<Res>;
  readonly at: SubjectAssertion<Res>;
  readonly of: SubjectAssertion<Res>;
  readonly same: SubjectAssertion<Res>;
  readonly but: SubjectAssertion<Res>;
  readonly does: SubjectAssertion<Res>;
  readonly still: SubjectAssertion<Res>;
  readonly also: SubjectAssertion<Res>;
  readonly not: SubjectAssertion<Res>;
}

/** A predicate reads as a property (`.installed`) or is called with its options (`.installed({ version })`). */
type MatcherWord<M, R> =
  M extends PredicateMatcher<any, infer A>
    ? R & ((...args: PredicateParams<A>) => R)
    : M extends AttributeMatcher<any, infer E>
      ? (expected: E) => R
      : never;

type ShortcutWord<S, R> = S extends (...args: infer P) => unknown ? R & ((...args: P) => R) : never;

/** `.listening.on('tcp')`: the protocol of the listening check before it. */
interface ListeningRefinement<Res extends AnyResource> {
  on(protocol: (typeof PORT_PROTOCOLS)[number]): SubjectAssertion<Res>;
}

type Refinements<Res extends AnyResource> = 'listening' extends keyof Res['matchers'] ? ListeningRefinement<Res> : {};

/** chai's `.exist`, as the `exists` matcher of the resources that have it. */
interface ExistWord<Res extends AnyResource> {
  readonly exist: SubjectAssertion<Res>;
}

type Aliases<Res extends AnyResource> = 'exists' extends keyof Res['matchers'] ? ExistWord<Res> : {};

/**
 * What `expect(host.<resource>(…))` completes to: the resource's matchers and shortcuts, chainable
 * with chai's language words; awaiting it runs and judges the checks.
 */
export type SubjectAssertion<Res extends AnyResource> = LanguageChains<Res> & {
  readonly [K in keyof Res['matchers']]: MatcherWord<Res['matchers'][K], SubjectAssertion<Res>>;
} & {
  readonly [K in keyof Res['shortcuts']]: ShortcutWord<Res['shortcuts'][K], SubjectAssertion<Res>>;
} & Refinements<Res> &
  Aliases<Res>;

declare global {
  namespace Chai {
    interface ExpectStatic {
      // biome-ignore lint/style/useShorthandFunctionType: an interface merges with chai's; a type alias would clash
      <Res extends AnyResource>(subject: Subject<Res>, message?: string): SubjectAssertion<Res>;
    }
  }
}
