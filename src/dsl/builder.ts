import type { AnyResource, AttributeMatcher, PredicateMatcher } from '../resources/resource.js';

type PredicateParams<A> = {} extends A ? [args?: A] : [args: A];

type MatcherMethod<M, R> =
  M extends PredicateMatcher<any, infer A>
    ? (...args: PredicateParams<A>) => R
    : M extends AttributeMatcher<any, infer E>
      ? (expected: E) => R
      : never;

type Method<Res extends AnyResource, K, R> = K extends keyof Res['matchers']
  ? MatcherMethod<Res['matchers'][K], R>
  : K extends keyof Res['shortcuts']
    ? (...args: Parameters<Res['shortcuts'][K]>) => R
    : never;

/**
 * What `file('/x').` completes to: every matcher and shortcut of that resource, chainable;
 * `.not` negates only the next call (`service('x').not.enabled().running()`).
 */
export type ResourceBuilder<Res extends AnyResource> = {
  [K in keyof Res['matchers'] | keyof Res['shortcuts'] | 'not']: K extends 'not'
    ? NegatedBuilder<Res>
    : Method<Res, K, ResourceBuilder<Res>>;
};

export type NegatedBuilder<Res extends AnyResource> = {
  [K in keyof Res['matchers'] | keyof Res['shortcuts']]: Method<Res, K, ResourceBuilder<Res>>;
};

export interface MatcherCall {
  matcher: string;
  negated: boolean;
  args: unknown;
}

/** Builds the chainable object; each call is reported to `record`, which owns all state. */
export function createBuilder<Res extends AnyResource>(
  resource: Res,
  record: (call: MatcherCall) => void,
): ResourceBuilder<Res> {
  const methods = (negated: boolean): Record<string, (...args: unknown[]) => unknown> => {
    const table: Record<string, (...args: unknown[]) => unknown> = {};
    for (const name of Object.keys(resource.matchers)) {
      table[name] = (arg?: unknown) => {
        record({ matcher: name, negated, args: plainData(arg) });
        return positive;
      };
    }
    for (const [name, shortcut] of Object.entries(resource.shortcuts) as Array<
      [string, (...a: unknown[]) => { matcher: string; args: unknown }]
    >) {
      table[name] = (...args: unknown[]) => {
        const call = shortcut(...args);
        record({ matcher: call.matcher, negated, args: plainData(call.args) });
        return positive;
      };
    }
    return table;
  };
  const positive: Record<string, unknown> = methods(false);
  const negative = methods(true);
  Object.defineProperty(positive, 'not', { get: () => negative, enumerable: false });
  return positive as ResourceBuilder<Res>;
}

/** RegExps become `{ matches, flags }` anywhere in an argument, so plans stay plain data. */
export function plainData(value: unknown): unknown {
  if (value instanceof RegExp) {
    const flags = value.flags.replace(/[gy]/g, '');
    return flags ? { matches: value.source, flags } : { matches: value.source };
  }
  if (Array.isArray(value)) return value.map(plainData);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainData(v)]));
  return value;
}
