import type { ProbeQuery } from '../probe/script.js';
import type { Check } from '../plan/schema.js';
import type { ResourceRegistry } from '../resources/index.js';
import type { FactQuery } from '../resources/resource.js';
import { lookupMatcher, lookupResource } from '../plan/build.js';

export interface QueryPlan {
  /** Deduplicated queries in first-use order, with probe ids q1, q2, … */
  queries: Array<ProbeQuery & { fact: FactQuery<unknown> }>;
  /** For each check that runs, the probe id of the fact it reads. */
  queryIdByCheck: Map<string, string>;
}

/** Turns checks into the minimal set of fact queries: 500 checks on one file are one `stat`. */
export function planQueries(checks: readonly Check[], registry: ResourceRegistry): QueryPlan {
  const byKey = new Map<string, ProbeQuery & { fact: FactQuery<unknown> }>();
  const queryIdByCheck = new Map<string, string>();
  for (const check of checks) {
    if (check.skip !== undefined) continue;
    const fact = factQueryFor(check, registry);
    let query = byKey.get(fact.key);
    if (!query) {
      query = { id: `q${byKey.size + 1}`, script: fact.script, fact };
      byKey.set(fact.key, query);
    }
    queryIdByCheck.set(check.id, query.id);
  }
  return { queries: [...byKey.values()], queryIdByCheck };
}

export function factQueryFor(check: Check, registry: ResourceRegistry): FactQuery<unknown> {
  const resource = lookupResource(registry, check.resource);
  const matcher = lookupMatcher(resource, check.matcher);
  const makeQuery = resource.facts[matcher.fact];
  if (!makeQuery) throw new Error(`resource ${resource.type} has no fact "${matcher.fact}" for matcher ${check.matcher}`);
  return makeQuery(check.subject, check.options ?? {});
}
