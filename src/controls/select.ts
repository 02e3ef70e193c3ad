import { globToRegExp } from '../drift/path-glob.js';
import { SpecError } from '../inputs/input-error.js';
import type { Control, Plan } from '../plan/schema.js';
import type { Selection } from '../results/schema.js';

/** `--controls` and `--tags` as given: lists of globs (ids; tag keys or key:value). */
export interface ControlFilter {
  controls?: readonly string[];
  tags?: readonly string[];
}

export interface SelectedPlan {
  plan: Plan;
  /** Ids of the controls left out. */
  filteredOut: Set<string>;
  selection?: Selection;
}

/**
 * Keeps the controls whose id matches one of `controls` (when given) and that carry one of `tags`
 * (when given); everything else, checks outside any control included, leaves the plan, so it is
 * never probed and no report lists it. A filter that keeps nothing is a mistake in the command.
 */
export function selectControls(plan: Plan, filter: ControlFilter): SelectedPlan {
  const idGlobs = filter.controls?.map(globToRegExp);
  const tagMatchers = filter.tags?.map(tagMatcher);
  if (!idGlobs && !tagMatchers) return { plan, filteredOut: new Set() };
  const kept = plan.controls.filter(
    (control) =>
      (!idGlobs || idGlobs.some((glob) => glob.test(control.id))) &&
      (!tagMatchers || tagMatchers.some((matches) => matches(control))),
  );
  if (kept.length === 0)
    throw new SpecError(`${describeFilter(filter)} selects no control of the specs (${plan.controls.length} controls)`);
  const keptIds = new Set(kept.map((c) => c.id));
  const checks = plan.checks.filter((check) => check.control !== null && keptIds.has(check.control));
  const filteredOut = new Set(plan.controls.filter((c) => !keptIds.has(c.id)).map((c) => c.id));
  return {
    plan: { ...plan, controls: kept, checks },
    filteredOut,
    selection: {
      ...(filter.controls ? { controls: [...filter.controls] } : {}),
      ...(filter.tags ? { tags: [...filter.tags] } : {}),
      filteredOutControls: filteredOut.size,
      filteredOutChecks: plan.checks.filter((check) => check.control === null).length,
    },
  };
}

/**
 * `cis` matches a control with a tag `cis` (any value); `cis:5.2.*` one whose `cis` tag (or one of
 * its list items) matches the glob. Keys are globs too; values are compared as text.
 */
function tagMatcher(tag: string): (control: Control) => boolean {
  const colon = tag.indexOf(':');
  const key = globToRegExp((colon < 0 ? tag : tag.slice(0, colon)).trim());
  const value = colon < 0 ? undefined : globToRegExp(tag.slice(colon + 1).trim());
  return (control) =>
    Object.entries(control.tags).some(
      ([name, tagValue]) =>
        key.test(name) &&
        (value === undefined || (Array.isArray(tagValue) ? tagValue : [tagValue]).some((v) => value.test(String(v)))),
    );
}

function describeFilter(filter: ControlFilter): string {
  const parts = [];
  if (filter.controls) parts.push(`--controls ${filter.controls.join(',')}`);
  if (filter.tags) parts.push(`--tags ${filter.tags.join(',')}`);
  return parts.join(' with ');
}
