import { buildProbeScript, type ProbeQuery } from '../probe/script.js';
import type { Target } from '../targets/target.js';
import type { QueryPlan } from './queries.js';

/**
 * The probe of a host's checks. Its queries run at the same time, sixteen at most, where the
 * target has the cores (on a small instance the probe took the sum of its queries' times, most of
 * it waiting on systemd and on process starts); a query marked `alone` (a command of the spec's
 * own, the process table, the wait for boot) runs by itself. Frames come out in query order
 * either way.
 */
export function checkProbeScript(queries: readonly ProbeQuery[], target: Pick<Target, 'booted'>): string {
  return buildProbeScript(queries, { booted: target.booted !== false, concurrent: true });
}

/**
 * The probe of a query plan that a fleet's hosts share: one script string for them all, not one
 * per host (some 25 KiB each, held by every host in progress).
 */
export function sharedProbeScript(plan: QueryPlan, target: Pick<Target, 'booted'>): string {
  const booted = target.booted !== false;
  plan.scripts ??= new Map();
  let script = plan.scripts.get(booted);
  if (script === undefined) {
    script = checkProbeScript(plan.queries, target);
    plan.scripts.set(booted, script);
  }
  return script;
}
