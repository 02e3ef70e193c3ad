import type { ProbeQuery } from '../probe/script.js';
import type { Check } from '../plan/schema.js';
import type { ResourceRegistry } from '../resources/index.js';
import type { FactGroup, FactQuery } from '../resources/resource.js';
import { lookupMatcher, lookupResource } from '../plan/build.js';

export interface QueryPlan {
  /** Deduplicated queries in first-use order, with probe ids q1, q2, … */
  queries: ProbeQuery[];
  /** For each check that runs: the probe id of the query it reads and its own parser. */
  factByCheck: Map<string, { queryId: string; fact: FactQuery<unknown>; parseKey: string }>;
  /** The probe script of these queries by whether the target is booted, made for the first host that needs it. */
  scripts?: Map<boolean, string>;
}

/**
 * Subjects one grouped query gathers at most: enough that a long package list is a handful of
 * commands, few enough that a command line and a query's evidence stay small.
 */
export const GROUP_MEMBER_LIMIT = 64;

interface OpenGroup {
  query: ProbeQuery;
  group: FactGroup;
  members: string[];
}

/**
 * Turns checks into the minimal set of fact queries: 500 checks on one file are one `stat`, and
 * facts of a kind that one command gathers for many subjects (every package in one `dpkg-query`)
 * share a grouped query.
 */
export function planQueries(checks: readonly Check[], registry: ResourceRegistry): QueryPlan {
  const byKey = new Map<string, ProbeQuery>();
  const openGroups = new Map<string, OpenGroup>();
  const groups: OpenGroup[] = [];
  const factByCheck: QueryPlan['factByCheck'] = new Map();
  const queries: ProbeQuery[] = [];
  const newQuery = (script: string): ProbeQuery => {
    const query = { id: `q${queries.length + 1}`, script };
    queries.push(query);
    return query;
  };
  for (const check of checks) {
    if (check.skip !== undefined) continue;
    const fact = factQueryFor(check, registry);
    let query = byKey.get(fact.key);
    if (!query && fact.group) {
      let open = openGroups.get(fact.group.key);
      if (!open || open.members.length >= GROUP_MEMBER_LIMIT) {
        open = { query: newQuery(''), group: fact.group, members: [] };
        openGroups.set(fact.group.key, open);
        groups.push(open);
      }
      open.members.push(fact.group.member);
      query = open.query;
      byKey.set(fact.key, query);
    } else if (!query) {
      query = newQuery(fact.script);
      byKey.set(fact.key, query);
    }
    if (fact.alone) query.alone = true;
    // A shared query (one socket table for every port) is parsed once per subject it serves.
    const parseKey = `${query.id}\0${check.resource}\0${JSON.stringify([check.subject, check.options ?? {}])}`;
    factByCheck.set(check.id, { queryId: query.id, fact, parseKey });
  }
  for (const { query, group, members } of groups) query.script = group.script(members);
  return { queries, factByCheck };
}

export function factQueryFor(check: Check, registry: ResourceRegistry): FactQuery<unknown> {
  const resource = lookupResource(registry, check.resource);
  const matcher = lookupMatcher(resource, check.matcher);
  const makeQuery = resource.facts[matcher.fact];
  if (!makeQuery)
    throw new Error(`resource ${resource.type} has no fact "${matcher.fact}" for matcher ${check.matcher}`);
  return makeQuery(check.subject, check.options ?? {});
}
