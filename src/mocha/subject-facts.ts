import type { Subject } from '../chai/host.js';
import { parseOptions, parseSubject } from '../plan/build.js';
import type { Check } from '../plan/schema.js';
import type { AnyMatcher, AnyResource } from '../resources/resource.js';

/**
 * Checks that stand for every fact a subject can be asked about, one per fact: planned into the
 * probe that gathers them before the tests, never judged. For each fact the matcher chosen is one
 * that an image that is not booted can answer where there is one, so that such an image is still
 * asked for the facts it has.
 */
export function gatheringChecks(subjects: readonly Subject[]): Check[] {
  const checks: Check[] = [];
  for (const subject of subjects) {
    const resource = subject.resource;
    const name = parseSubject(resource, subject.name);
    const options = parseOptions(resource, subject.options);
    for (const matcher of factReaders(resource)) {
      checks.push({
        id: `gather#${checks.length + 1}`,
        control: null,
        resource: resource.type,
        subject: name,
        ...(Object.keys(options).length > 0 ? { options } : {}),
        matcher,
        negated: false,
        args: undefined,
        title: `${resource.title(name, options)}: every fact`,
      });
    }
  }
  return checks;
}

/** One matcher name per fact of the resource, preferring one that does not need a running system. */
export function factReaders(resource: AnyResource): string[] {
  const byFact = new Map<string, string>();
  for (const [name, matcher] of Object.entries(resource.matchers) as [string, AnyMatcher][]) {
    const chosen = byFact.get(matcher.fact);
    if (chosen === undefined || (resource.matchers[chosen]!.needsRunningSystem && !matcher.needsRunningSystem))
      byFact.set(matcher.fact, name);
  }
  return [...byFact.values()];
}
