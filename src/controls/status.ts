import type { Plan } from '../plan/schema.js';
import {
  ControlStatusSchema,
  countStatuses,
  type CheckResult,
  type CheckStatus,
  type ControlResult,
  type ControlStatus,
  type HostResult,
} from '../results/schema.js';
import type { WaiverBook } from './waivers.js';

/** Worst first: a definite failure outranks an error, and any judged check outranks a skip. */
const OUTCOME_ORDER: readonly CheckStatus[] = ['failed', 'error', 'passed', 'skipped', 'not-applicable'];

/** What a control's checks say together: the first status of OUTCOME_ORDER that one of them has. */
export function aggregateStatus(statuses: readonly CheckStatus[]): CheckStatus {
  const found = OUTCOME_ORDER.find((status) => statuses.includes(status));
  // A control always has a check; an empty list would be a bug, and is not called a pass.
  return found ?? 'error';
}

/** Each control's status on one host, in the controls' order. A waiver in force makes it `waived`. */
export function controlResults(
  controls: Plan['controls'],
  results: readonly CheckResult[],
  waivers?: WaiverBook,
): ControlResult[] {
  const byControl = new Map<string, CheckResult[]>();
  for (const result of results) {
    if (result.control === null) continue;
    byControl.set(result.control, [...(byControl.get(result.control) ?? []), result]);
  }
  return controls.flatMap((control) => {
    const checks = byControl.get(control.id);
    if (!checks) return [];
    const outcome = aggregateStatus(checks.map((check) => check.status));
    const waiver = waivers?.byControl.get(control.id);
    const status: ControlStatus = waiver && !waiver.expired ? 'waived' : outcome;
    return [{ id: control.id, status, outcome, counts: countStatuses(checks), ...(waiver ? { waiver } : {}) }];
  });
}

/** The host with its control statuses; unchanged when the plan has no controls. */
export function withControlResults(plan: Plan, host: HostResult, waivers?: WaiverBook): HostResult {
  if (plan.controls.length === 0) return host;
  return { ...host, controls: controlResults(plan.controls, host.results, waivers) };
}

/** How many controls have each status, over every host (a control counted once per host), in the schema's order. */
export function countControlStatuses(hosts: readonly HostResult[]): Map<ControlStatus, number> {
  const counts = new Map<ControlStatus, number>();
  for (const status of ControlStatusSchema.options) {
    const n = hosts.reduce((sum, host) => sum + (host.controls ?? []).filter((c) => c.status === status).length, 0);
    if (n > 0) counts.set(status, n);
  }
  return counts;
}

/** The ids of the host's controls that are waived, so that the gate and reports can set their checks apart. */
export function waivedControlIds(host: HostResult): Set<string> {
  return new Set((host.controls ?? []).filter((c) => c.status === 'waived').map((c) => c.id));
}
