import type { Plan } from '../plan/schema.js';
import { parseProbeOutput, type Frame } from '../probe/frames.js';
import { HOST_QUERY_ID, parseHostFrame, type HostFacts } from '../probe/host.js';
import { buildProbeScript, PROBE_SETUP_FAILED } from '../probe/script.js';
import type { ResourceRegistry } from '../resources/index.js';
import { FactError } from '../resources/resource.js';
import { countStatuses, EVIDENCE_LIMIT, timestamp, type CheckResult, type Evidence, type HostResult } from '../results/schema.js';
import { TargetUnreachableError, type ExecResult, type Target } from '../targets/target.js';
import { evaluateCheck, type FactOutcome } from './evaluate.js';
import { planQueries } from './queries.js';

export interface RunHostOptions {
  registry: ResourceRegistry;
  /** How long the probe may run on the host before it is killed and the host is an error. */
  commandTimeoutMs: number;
}

/** One host, one exec: gather every fact the plan needs, then judge every check offline. */
export async function runHost(plan: Plan, target: Target, options: RunHostOptions): Promise<HostResult> {
  const started = Date.now();
  const startedAt = timestamp(new Date(started));
  const { queries, factByCheck } = planQueries(plan.checks, options.registry);
  const script = buildProbeScript(queries);
  let exec: ExecResult;
  try {
    exec = await target.exec(script, { timeoutMs: options.commandTimeoutMs });
  } catch (error) {
    const unreachable = error instanceof TargetUnreachableError;
    return hostFailure(plan, target, unreachable ? 'unreachable' : 'error', describeTargetError(error), startedAt, started, unreachable ? 0 : 1);
  }
  const probe = parseProbeOutput(exec.stdout);
  const failure = probeFailure(exec, probe.frames.get(HOST_QUERY_ID), options.commandTimeoutMs);
  if (failure) return hostFailure(plan, target, 'error', failure, startedAt, started, 1);
  let host: HostFacts;
  try {
    host = parseHostFrame(probe.frames.get(HOST_QUERY_ID)!);
  } catch (error) {
    return hostFailure(plan, target, 'error', `could not read the host facts: ${(error as Error).message}`, startedAt, started, 1);
  }
  const cutShort = probe.complete ? undefined : describeCutShort(exec, options.commandTimeoutMs);
  const evidence: Record<string, Evidence> = {};
  for (const query of queries) evidence[query.id] = makeEvidence(query.id, query.script, probe.frames.get(query.id));
  const facts = new Map<string, FactOutcome>();
  const factFor = (entry: { queryId: string; fact: { parse: (frame: Frame, host: HostFacts) => unknown }; parseKey: string }): FactOutcome => {
    let outcome = facts.get(entry.parseKey);
    if (!outcome) {
      const frame = probe.frames.get(entry.queryId);
      outcome = frame ? parseFact(entry.fact.parse, frame, host) : { ok: false, error: cutShort ?? 'the probe did not report this query' };
      facts.set(entry.parseKey, outcome);
    }
    return outcome;
  };
  const results: CheckResult[] = plan.checks.map((check) => {
    const entry = factByCheck.get(check.id);
    return evaluateCheck(check, entry ? factFor(entry) : undefined, host, options.registry, entry?.queryId);
  });
  return {
    target: target.name,
    status: 'completed',
    host,
    startedAt,
    durationMs: Date.now() - started,
    execCount: 1,
    counts: countStatuses(results),
    results,
    evidence,
  };
}

function parseFact(parse: (frame: Frame, host: HostFacts) => unknown, frame: Frame, host: HostFacts): FactOutcome {
  try {
    return { ok: true, value: parse(frame, host) };
  } catch (error) {
    if (error instanceof FactError) return { ok: false, error: error.message };
    return { ok: false, error: `could not parse the output: ${(error as Error).message}` };
  }
}

function probeFailure(exec: ExecResult, hostFrame: Frame | undefined, timeoutMs: number): string | undefined {
  if (hostFrame) return undefined;
  if (exec.timedOut) return `the probe did not finish within ${timeoutMs} ms`;
  const stderr = exec.stderr.toString('utf8').trim();
  if (exec.exitCode === PROBE_SETUP_FAILED) return `the probe could not start: ${stderr}`;
  return `the probe produced no host facts (exit ${exec.exitCode ?? exec.signal})${stderr ? `: ${stderr.slice(0, 500)}` : ''}`;
}

function describeCutShort(exec: ExecResult, timeoutMs: number): string {
  if (exec.timedOut) return `the probe was killed after ${timeoutMs} ms before this query finished`;
  return `the probe ended early (exit ${exec.exitCode ?? exec.signal}) before this query finished`;
}

function describeTargetError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function hostFailure(
  plan: Plan,
  target: Target,
  status: 'unreachable' | 'error',
  reason: string,
  startedAt: string,
  started: number,
  execCount: number,
): HostResult {
  const results: CheckResult[] = plan.checks.map((check) => ({
    checkId: check.id,
    control: check.control,
    title: check.title,
    resource: check.resource,
    subject: check.subject,
    matcher: check.matcher,
    negated: check.negated,
    status: check.skip !== undefined ? 'skipped' : 'error',
    message: check.skip !== undefined ? `skipped: ${check.skip}` : `not checked: host ${status}: ${reason}`,
  }));
  return {
    target: target.name,
    status,
    reason,
    startedAt,
    durationMs: Date.now() - started,
    execCount,
    counts: countStatuses(results),
    results,
    evidence: {},
  };
}

function makeEvidence(id: string, script: string, frame: Frame | undefined): Evidence {
  const stdout = frame?.stdout ?? Buffer.alloc(0);
  const stderr = frame?.stderr ?? Buffer.alloc(0);
  return {
    id,
    script,
    exitCode: frame ? frame.exitCode : null,
    stdout: truncate(stdout),
    stderr: truncate(stderr),
    stdoutBytes: stdout.length,
    stderrBytes: stderr.length,
    truncated: stdout.length > EVIDENCE_LIMIT || stderr.length > EVIDENCE_LIMIT,
  };
}

function truncate(bytes: Buffer): string {
  return bytes.subarray(0, EVIDENCE_LIMIT).toString('utf8');
}
