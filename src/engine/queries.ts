import type { ProbeQuery } from '../probe/script.js';
import type { Check } from '../plan/schema.js';
import type { ResourceRegistry } from '../resources/index.js';
import type { FactQuery } from '../resources/resource.js';
import { lookupMatcher, lookupResource } from '../plan/build.js';

export interface QueryPlan {
  /** Deduplicated queries in first-use order, with probe ids q1, q2, … */
  queries: ProbeQuery[];
  /** For each check that runs: the probe id of the query it reads and its own parser. */
  factByCheck: Map<string, { queryId: string; fact: FactQuery<unknown>; parseKey: string }>;
}

/** Turns checks into the minimal set of fact queries: 500 checks on one file are one `stat`. */
export function planQueries(checks: readonly Check[], registry: ResourceRegistry): QueryPlan {
  const byKey = new Map<string, ProbeQuery>();
  const factByCheck: QueryPlan['factByCheck'] = new Map();
  for (const check of checks) {
    if (check.skip !== undefined) continue;
    const fact = factQueryFor(check, registry);
    let query = byKey.get(fact.key);
    if (!query) {
      query = { id: `q${byKey.size + 1}`, script: fact.script };
      byKey.set(fact.key, query);
    }
    // A shared query (one socket table for every port) is parsed once per subject it serves.
    const parseKey = `${query.id}\0${check.resource}\0${JSON.stringify([check.subject, check.options ?? {}])}`;
    factByCheck.set(check.id, { queryId: query.id, fact, parseKey });
  }
  return { queries: [...byKey.values()], factByCheck };
}

export function factQueryFor(check: Check, registry: ResourceRegistry): FactQuery<unknown> {
  const resource = lookupResource(registry, check.resource);
  const matcher = lookupMatcher(resource, check.matcher);
  const makeQuery = resource.facts[matcher.fact];
  if (!makeQuery) throw new Error(`resource ${resource.type} has no fact "${matcher.fact}" for matcher ${check.matcher}`);
  return makeQuery(check.subject, check.options ?? {});
}
