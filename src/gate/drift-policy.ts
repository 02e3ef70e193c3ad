import { z } from 'zod';
import { ALL_ATTRIBUTES, KIND_DEFINITIONS, printable } from '../drift/diff-kinds.js';
import {
  ChangeTypeSchema,
  type AddedOrRemoved,
  type ChangedItem,
  type ChangeType,
  type DriftReport,
  type DriftVerdict,
  type GateMark,
  type HostDrift,
  type KindDrift,
} from '../drift/diff-schema.js';
import { NO_RULE_MATCHED, toldUnderCause } from '../drift/cause.js';
import { compileKeyGlobs, GlobError, type KeyMatcher } from '../drift/key-glob.js';
import { SnapshotKindSchema, type SnapshotKind } from '../drift/snapshot-schema.js';
import { abbreviatedList } from '../text/abbreviated-list.js';
import { plural } from '../text/plural.js';
import { EXIT } from './exit-codes.js';

/**
 * The drift gate: which drift blocks promotion, and the exit bitmask of `driftspec drift`.
 *
 * Exit codes of a drift run are a bitmask, like AIDE's, of what the policy blocks:
 *   1 an item was added · 2 an item was removed · 4 an item changed · 8 a host is incomplete
 * (unreachable, or data missing from a snapshot). Every combination is below 16, so it never
 * collides with usage 64, internal 70 or config 78. 0: no drift, or all of it allowed or accepted.
 */
export const DRIFT_EXIT = { added: 1, removed: 2, changed: 4, incomplete: 8 } as const;

const OneOrMany = <T extends z.ZodType>(schema: T) =>
  z
    .union([schema, z.array(schema).min(1)])
    .transform((value): Array<z.output<T>> => (Array.isArray(value) ? value : [value]));

export const DriftRuleSchema = z
  .object({
    name: z
      .string()
      .optional()
      .describe('How reports name the rule ("new listening port"); default: the rule in words.'),
    kind: OneOrMany(SnapshotKindSchema).optional().describe('Kinds the rule is about; without it, every kind.'),
    change: OneOrMany(ChangeTypeSchema)
      .optional()
      .describe('added, removed or changed (or a list); without it, every change.'),
    keys: OneOrMany(z.string())
      .optional()
      .describe('Globs on the item key ("linux-image-*", "/etc/ssh/**"); without it, every item.'),
    attributes: OneOrMany(z.string())
      .optional()
      .describe(
        'Changed items only: the rule matches when every attribute that changed (and is not accepted) is one of these.',
      ),
    setuid: z
      .boolean()
      .optional()
      .describe(
        'Files only: true matches files whose mode has the setuid (04000) or setgid (02000) bit (for a changed ' +
          'file, its new mode); false matches the others.',
      ),
    action: z.enum(['block', 'allow']).describe('What drift the rule matches does to the verdict.'),
  })
  .strict()
  .superRefine((rule, context) => {
    const kinds = rule.kind;
    if (rule.setuid !== undefined && !(kinds?.length === 1 && kinds[0] === 'files'))
      context.addIssue({ code: 'custom', path: ['setuid'], message: '`setuid` is about files: add kind: files' });
    if (rule.attributes && rule.change?.some((c) => c !== 'changed'))
      context.addIssue({ code: 'custom', path: ['attributes'], message: '`attributes` goes with change: changed' });
    rule.attributes?.forEach((attribute, i) => {
      if (kinds === undefined && !ALL_ATTRIBUTES.includes(attribute))
        context.addIssue({
          code: 'custom',
          path: ['attributes', i],
          message: `no kind has an attribute "${attribute}"; attributes: ${ALL_ATTRIBUTES.join(', ')}`,
        });
      const missing = (kinds ?? []).find((kind) => !KIND_DEFINITIONS[kind].attributes.includes(attribute));
      if (missing)
        context.addIssue({
          code: 'custom',
          path: ['attributes', i],
          message:
            `${missing} have no attribute "${attribute}"; expected one of: ` +
            `${KIND_DEFINITIONS[missing].attributes.join(', ')}`,
        });
    });
    rule.keys?.forEach((key, i) => {
      try {
        compileKeyGlobs([key]);
      } catch (error) {
        if (!(error instanceof GlobError)) throw error;
        context.addIssue({ code: 'custom', path: ['keys', i], message: error.message });
      }
    });
  });
export type DriftRule = z.output<typeof DriftRuleSchema>;

export const DriftPolicySchema = z
  .object({
    rules: z
      .array(DriftRuleSchema)
      .default([])
      .describe('Checked in order, before the built-in rules; the first rule that matches an item decides.'),
    builtinRules: z
      .boolean()
      .default(true)
      .describe(
        'Whether the built-in rules (docs/drift.md) apply after yours: new listening ports, new SUID/SGID files and ' +
          'new users block; package version changes are allowed.',
      ),
    otherwise: z.enum(['block', 'allow']).default('block').describe('What drift that no rule matches does.'),
    incomplete: z
      .enum(['block', 'allow'])
      .default('block')
      .describe(
        'Whether a host that could not be compared in full (unreachable, data missing) blocks. A run that compared ' +
          'no host at all always blocks.',
      ),
  })
  .strict()
  .describe('Drift rules for `driftspec drift` (docs/drift.md).');
export type DriftPolicy = z.output<typeof DriftPolicySchema>;

export const DEFAULT_DRIFT_POLICY: DriftPolicy = DriftPolicySchema.parse({});

/** Applied after the policy's own rules unless `builtinRules: false`. */
export const BUILTIN_DRIFT_RULES: readonly DriftRule[] = [
  { name: 'new listening port', kind: ['listeners'], change: ['added'], action: 'block' },
  { name: 'new SUID/SGID file', kind: ['files'], change: ['added', 'changed'], setuid: true, action: 'block' },
  { name: 'new user', kind: ['users'], change: ['added'], action: 'block' },
  { name: 'package version change', kind: ['packages'], change: ['changed'], attributes: ['version'], action: 'allow' },
];

/** For error messages about unknown keys under `drift:` in a policy file. */
export function driftPolicyKeys(path: ReadonlyArray<string | number>): readonly string[] {
  return path.length <= 1 ? Object.keys(DriftPolicySchema.shape) : Object.keys(DriftRuleSchema.shape);
}

// ---------------------------------------------------------------------------------------------
// Judging

interface CompiledRule {
  rule: DriftRule;
  label: string;
  matchesKey: KeyMatcher;
}

type Judged = AddedOrRemoved | ChangedItem;

/**
 * Marks every drifted item that is not accepted with the rule that decided it, and decides the
 * verdict and its exit bitmask. Returns a new report; the input is not changed.
 */
export function judgeDrift(report: DriftReport, policy: DriftPolicy = DEFAULT_DRIFT_POLICY): DriftReport {
  const rules = compileRules(policy);
  const hosts = report.hosts.map((host) => ({
    ...host,
    kinds: host.kinds.map((kind) => markKind(kind, rules, policy)),
  }));
  return { ...report, hosts, verdict: decide(hosts, policy) };
}

function compileRules(policy: DriftPolicy): CompiledRule[] {
  const own = policy.rules.map((rule, i) => ({ rule, label: rule.name ?? `policy rule ${i + 1}` }));
  const builtin = policy.builtinRules
    ? BUILTIN_DRIFT_RULES.map((rule) => ({ rule, label: `${rule.name} (built-in rule)` }))
    : [];
  return [...own, ...builtin].map(({ rule, label }) => {
    const matches = rule.keys ? compileKeyGlobs(rule.keys) : undefined;
    return { rule, label, matchesKey: (kind: SnapshotKind, key: string) => !matches || matches(kind, key) };
  });
}

function markKind(kind: KindDrift, rules: readonly CompiledRule[], policy: DriftPolicy): KindDrift {
  const mark = <T extends Judged>(item: T, change: ChangeType): T =>
    item.accepted ? item : { ...item, gate: decideItem(kind.kind, change, item, rules, policy) };
  return {
    ...kind,
    added: kind.added.map((item) => mark(item, 'added')),
    removed: kind.removed.map((item) => mark(item, 'removed')),
    changed: kind.changed.map((item) => mark(item, 'changed')),
  };
}

function decideItem(
  kind: SnapshotKind,
  change: ChangeType,
  item: Judged,
  rules: readonly CompiledRule[],
  policy: DriftPolicy,
): GateMark {
  const rule = rules.find((candidate) => ruleMatches(candidate, kind, change, item));
  if (rule) return { action: rule.rule.action, rule: rule.label };
  return { action: policy.otherwise, rule: `${NO_RULE_MATCHED} (otherwise: ${policy.otherwise})` };
}

function ruleMatches(
  { rule, matchesKey }: CompiledRule,
  kind: SnapshotKind,
  change: ChangeType,
  item: Judged,
): boolean {
  if (rule.kind && !rule.kind.includes(kind)) return false;
  if (rule.change && !rule.change.includes(change)) return false;
  if (!matchesKey(kind, item.key)) return false;
  if (rule.attributes) {
    if (!('changes' in item)) return false;
    const open = item.changes.filter((c) => !c.accepted);
    if (!open.every((c) => rule.attributes!.includes(c.attribute))) return false;
  }
  if (rule.setuid !== undefined && hasSetuidBit(currentRecord(item)) !== rule.setuid) return false;
  return true;
}

/** The item as it is now: the candidate's record, or the baseline's for a removed item. */
function currentRecord(item: Judged): Record<string, unknown> {
  return 'after' in item ? item.after : item.record;
}

export function hasSetuidBit(record: Record<string, unknown>): boolean {
  const mode = record.mode;
  if (typeof mode !== 'string' || !/^[0-7]+$/.test(mode)) return false;
  return (Number.parseInt(mode, 8) & 0o6000) !== 0;
}

// ---------------------------------------------------------------------------------------------
// The verdict

interface HostTally {
  /** Each item in words, but those told under their cause (a package's files). */
  blocked: Record<ChangeType, string[]>;
  allowed: Record<ChangeType, string[]>;
  /** Every item. */
  counts: Record<'blocked' | 'allowed', Record<ChangeType, number>>;
}

const CHANGE_TYPES: readonly ChangeType[] = ['added', 'removed', 'changed'];

function decide(hosts: readonly HostDrift[], policy: DriftPolicy): DriftVerdict {
  let bits = 0;
  const blocking: string[] = [];
  const allowed: string[] = [];
  const totals = {
    blocked: { added: 0, removed: 0, changed: 0 },
    allowed: { added: 0, removed: 0, changed: 0 },
    incomplete: 0,
    accepted: 0,
  };
  if (!hosts.some((host) => host.candidate !== undefined)) {
    bits |= DRIFT_EXIT.incomplete;
    blocking.push('no host was compared');
  }
  for (const host of hosts) {
    const tally = tallyHost(host);
    totals.accepted += host.counts.accepted;
    for (const type of CHANGE_TYPES) {
      totals.blocked[type] += tally.counts.blocked[type];
      totals.allowed[type] += tally.counts.allowed[type];
      if (tally.counts.blocked[type] > 0) {
        bits |= DRIFT_EXIT[type];
        blocking.push(`${host.target}: ${type}: ${abbreviatedList(tally.blocked[type])}`);
      }
      if (tally.counts.allowed[type] > 0)
        allowed.push(`allowed: ${host.target}: ${type}: ${abbreviatedList(tally.allowed[type])}`);
    }
    if (host.state === 'incomplete') {
      totals.incomplete++;
      const missing = host.notCompared.map((n) => `${[n.kind, n.path].filter(Boolean).join(' ')} (${n.reason})`);
      const text = `${host.target}: incomplete: ${host.reason ?? abbreviatedList(missing)}`;
      if (policy.incomplete === 'block') {
        bits |= DRIFT_EXIT.incomplete;
        blocking.push(text);
      } else allowed.push(`allowed: ${text}`);
    }
  }
  const reasons = [...blocking, ...allowed];
  const accepted = totals.accepted > 0 ? `; ${totals.accepted} accepted` : '';
  if (bits === 0) {
    const allowedCount = CHANGE_TYPES.map((type) => [type, totals.allowed[type]] as const).filter(([, n]) => n > 0);
    const allowedText = [
      ...allowedCount.map(([type, n]) => `${n} ${type}`),
      ...(policy.incomplete === 'allow' && totals.incomplete > 0
        ? [`${plural(totals.incomplete, 'host')} incomplete`]
        : []),
    ];
    const summary =
      allowedText.length === 0
        ? `passed: no drift${accepted}`
        : `passed; allowed by the policy: ${allowedText.join(', ')}${accepted}`;
    return { verdict: 'passed', exitCode: EXIT.passed, summary, reasons };
  }
  const parts = CHANGE_TYPES.filter((type) => totals.blocked[type] > 0).map(
    (type) => `${totals.blocked[type]} ${type}`,
  );
  if (bits & DRIFT_EXIT.incomplete)
    parts.push(totals.incomplete > 0 ? `${plural(totals.incomplete, 'host')} incomplete` : 'no host compared');
  return { verdict: 'blocked', exitCode: bits, summary: `blocked: ${parts.join(', ')}${accepted}`, reasons };
}

function tallyHost(host: HostDrift): HostTally {
  const tally: HostTally = {
    blocked: { added: [], removed: [], changed: [] },
    allowed: { added: [], removed: [], changed: [] },
    counts: { blocked: { added: 0, removed: 0, changed: 0 }, allowed: { added: 0, removed: 0, changed: 0 } },
  };
  const grouped = toldUnderCause(host);
  for (const kind of host.kinds) {
    for (const type of CHANGE_TYPES) {
      for (const item of kind[type] as Judged[]) {
        if (item.accepted || !item.gate) continue;
        tally.counts[item.gate.action === 'block' ? 'blocked' : 'allowed'][type]++;
        if (grouped(type, item)) continue;
        const what = `${KIND_DEFINITIONS[kind.kind].noun} ${printable(item.key)}${withCompanions(item)}`;
        const text = `${what} [${item.gate.rule}]`;
        (item.gate.action === 'block' ? tally.blocked : tally.allowed)[type].push(text);
      }
    }
  }
  return tally;
}

/** " with its 39 files" after an item that brought others, which the reasons then leave out. */
function withCompanions(item: Judged): string {
  if (!('brought' in item) || !item.brought) return '';
  return item.brought.map((b) => ` with its ${plural(b.count, KIND_DEFINITIONS[b.kind].noun)}`).join(',');
}
