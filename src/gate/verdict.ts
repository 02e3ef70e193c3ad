import { waivedControlIds } from '../controls/status.js';
import { DEFAULT_IMPACT } from '../plan/assemble.js';
import { impactName, impactValue, type Control, type ImpactName } from '../plan/schema.js';
import type { CheckResult, HostResult, RunResult } from '../results/schema.js';
import { abbreviatedList } from '../text/abbreviated-list.js';
import { flatText } from '../text/flat-text.js';
import { plural } from '../text/plural.js';
import { EXIT } from './exit-codes.js';
import type { GatePolicy } from './policy.js';
import { DEFAULT_POLICY, IMPACT_LEVELS, type Allowance } from './run-policy.js';

/** The gate's decision, as it goes into the JSON report (`verdict`). */
export type Verdict = NonNullable<RunResult['verdict']>;

/** What stops promotion: a finding (exit 1), or a run that could not look everywhere (exit 2). */
type BlockKind = 'failures' | 'incomplete';

interface Finding {
  blocks: BlockKind | false;
  text: string;
  /** For the one-line summary: counted as `2 failed controls`, or a phrase given whole. */
  tally: { noun: string; suffix: string; count: number } | string;
}

/**
 * Decides promotion. A run that could not look (errors, unreachable hosts, blocked skips) outranks
 * failures, so its exit code is 2 even when checks failed too. Without a policy, every failure,
 * error and unreachable host blocks: the strict gate.
 */
export function decideVerdict(result: RunResult, policy: GatePolicy = DEFAULT_POLICY): Verdict {
  // Host by host, keeping only each finding's text and the running tallies: a large fleet's
  // findings are never all held at once (docs/scale.md).
  const blocking = new FindingList('');
  const allowed = new FindingList('allowed: ');
  const add = (finding: Finding) => (finding.blocks === false ? allowed : blocking).add(finding);
  noHostChecked(result).forEach(add);
  for (const host of result.hosts) judgeHost(host, result.controls, policy).forEach(add);
  const reasons = [...blocking.texts, ...allowed.texts];
  if (blocking.texts.length === 0) {
    const summary = allowed.texts.length === 0 ? 'passed' : `passed; allowed by the policy: ${allowed.tallies()}`;
    return { verdict: 'passed', exitCode: EXIT.passed, summary, reasons };
  }
  const exitCode = blocking.incomplete ? EXIT.error : EXIT.failed;
  return { verdict: 'blocked', exitCode, summary: `blocked: ${blocking.tallies()}`, reasons };
}

/** Findings of one kind (blocking or allowed), in the order found: their reasons and their totals. */
class FindingList {
  readonly texts: string[] = [];
  incomplete = false;
  private readonly totals = new Map<string, { noun: string; suffix: string; count: number } | string>();

  /** `prefix` goes before each finding's text in the verdict's reasons. */
  constructor(private readonly prefix: string) {}

  add({ blocks, text, tally }: Finding): void {
    this.texts.push(flatText(this.prefix + text));
    if (blocks === 'incomplete') this.incomplete = true;
    if (typeof tally === 'string') {
      this.totals.set(tally, tally);
      return;
    }
    const key = `${tally.noun}${tally.suffix}`;
    const seen = this.totals.get(key);
    this.totals.set(key, { ...tally, count: tally.count + (typeof seen === 'object' ? seen.count : 0) });
  }

  /** "2 failed controls, 1 host unreachable": each kind of finding counted, in the order first met. */
  tallies(): string {
    return [...this.totals.values()]
      .map((t) => (typeof t === 'string' ? t : `${plural(t.count, t.noun)}${t.suffix}`))
      .join(', ');
  }
}

/** Allowing every unreachable host must not turn a run that checked nothing into a pass. */
function noHostChecked(result: RunResult): Finding[] {
  if (result.hosts.some((h) => h.status === 'completed')) return [];
  return [{ blocks: 'incomplete', text: 'no host was checked', tally: 'no host was checked' }];
}

function judgeHost(host: HostResult, controls: readonly Control[], policy: GatePolicy): Finding[] {
  const waived = waivedControlIds(host);
  // A waived control's checks are judged by the waiver, never on their own.
  const judged = host.results.filter((r) => r.control === null || !waived.has(r.control));
  const findings: Finding[] = [...judgeWaived(host, waived, policy)];
  const skipped = judged.filter((r) => r.status === 'skipped');
  if (host.status === 'completed') {
    findings.push(...judgeFailures(host.target, judged, controls, policy));
    const errored = judged.filter((r) => r.status === 'error');
    if (errored.length > 0) {
      findings.push({
        blocks: policy.errors === 'block' ? 'incomplete' : false,
        text: `${host.target}: ${plural(errored.length, 'check')} errored (${listIds(errored)})`,
        tally: { noun: 'check', suffix: ' errored', count: errored.length },
      });
    }
  } else {
    // The host's checks are errors only because the host was not checked; the host is the finding.
    const rule = host.status === 'unreachable' ? policy.unreachable : policy.errors;
    findings.push({
      blocks: rule === 'block' ? 'incomplete' : false,
      text: `${host.target}: host ${host.status}: ${host.reason ?? 'no reason given'}`,
      tally: { noun: 'host', suffix: host.status === 'unreachable' ? ' unreachable' : ' errored', count: 1 },
    });
  }
  if (skipped.length > 0 && policy.skips === 'block') {
    findings.push({
      blocks: 'incomplete',
      text: `${host.target}: ${plural(skipped.length, 'check')} skipped (${listIds(skipped)}); the policy blocks skips`,
      tally: { noun: 'check', suffix: ' skipped', count: skipped.length },
    });
  }
  return findings;
}

/**
 * Failures count per failed control (a check outside any control counts as one of its own, at
 * the default impact), per host, against the allowance for the control's impact.
 */
function judgeFailures(
  target: string,
  results: readonly CheckResult[],
  controls: readonly Control[],
  policy: GatePolicy,
): Finding[] {
  const failedByLevel = new Map<ImpactName, string[]>();
  const belowMinimum: string[] = [];
  const minImpact = policy.failures.minImpact === undefined ? 0 : impactValue(policy.failures.minImpact);
  for (const [unit, impact] of failedUnits(results, controls)) {
    if (impact < minImpact) belowMinimum.push(unit);
    else failedByLevel.set(impactName(impact), [...(failedByLevel.get(impactName(impact)) ?? []), unit]);
  }
  const findings: Finding[] = [];
  if (belowMinimum.length > 0)
    findings.push({
      blocks: false,
      text:
        `${target}: ${plural(belowMinimum.length, 'failed control')} below the minimum impact ${minImpact} ` +
        `(${belowMinimum.join(', ')})`,
      tally: { noun: 'failed control', suffix: ' below the minimum impact', count: belowMinimum.length },
    });
  for (const level of [...IMPACT_LEVELS].reverse()) {
    const units = failedByLevel.get(level);
    if (!units) continue;
    const allowance: Allowance = policy.failures.allow[level] ?? 0;
    const within = allowance === 'unlimited' || units.length <= allowance;
    findings.push({
      blocks: within ? false : 'failures',
      text:
        `${target}: ${plural(units.length, `failed ${level} control`)} (${units.join(', ')}); ` +
        `${describeAllowance(level, allowance, within)}`,
      tally: { noun: 'failed control', suffix: '', count: units.length },
    });
  }
  return findings;
}

/** Each failed control (or check outside any control) and its impact. */
function failedUnits(results: readonly CheckResult[], controls: readonly Control[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const r of results) {
    if (r.status !== 'failed') continue;
    const impact = controls.find((c) => c.id === r.control)?.impact ?? impactValue(DEFAULT_IMPACT);
    units.set(r.control ?? r.checkId, impact);
  }
  return units;
}

/** Waived controls are listed with the verdict; they block only where the policy says `waived: block`. */
function judgeWaived(host: HostResult, waived: ReadonlySet<string>, policy: GatePolicy): Finding[] {
  if (waived.size === 0) return [];
  const blocks = policy.waived === 'block';
  return [
    {
      blocks: blocks ? 'failures' : false,
      text: `${host.target}: ${plural(waived.size, 'control')} waived (${abbreviatedList([...waived])})${
        blocks ? '; the policy blocks waived controls' : ''
      }`,
      tally: { noun: 'control', suffix: ' waived', count: waived.size },
    },
  ];
}

function describeAllowance(level: ImpactName, allowance: Allowance, within: boolean): string {
  if (allowance === 'unlimited') return `${level} failures are allowed without limit`;
  if (allowance === 0) return `${level} failures are not allowed`;
  return `${within ? 'within' : 'over'} the allowance of ${allowance} per host`;
}

function listIds(results: readonly CheckResult[]): string {
  return abbreviatedList(results.map((r) => r.checkId));
}
