import { longestEventuallyMs } from './eventually.js';
import type { Plan } from '../plan/schema.js';

/** Room beyond the connect and probe timeouts for what lies between them (opening the session). */
const HOST_TIMEOUT_SLACK_SECONDS = 10;

/** A host's budget without a host timeout of its own, before any waiting: connecting, logging in and one probe. */
export function defaultHostTimeoutSeconds(timeouts: { connectTimeout: number; timeout: number }): number {
  return timeouts.connectTimeout + timeouts.timeout + HOST_TIMEOUT_SLACK_SECONDS;
}

/** How a run paces one host: seconds, except `wait` (milliseconds, as `--wait` parses). */
export interface RunPacing {
  hostTimeout?: number;
  connectTimeout: number;
  timeout: number;
  wait?: number;
}

/** The host timeout given, or the default budget, which also covers waiting and the re-probe rounds of `eventually`. */
export function runHostTimeoutMs(pacing: RunPacing, plan: Plan): number {
  if (pacing.hostTimeout !== undefined) return pacing.hostTimeout * 1000;
  const eventually = longestEventuallyMs(plan.checks);
  const patienceMs = (pacing.wait ?? 0) + (eventually > 0 ? eventually + pacing.timeout * 1000 : 0);
  return defaultHostTimeoutSeconds(pacing) * 1000 + patienceMs;
}
