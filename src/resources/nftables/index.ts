import { z } from 'zod';
import { attribute, defineResource, FactError, NoArgs, predicate, type Absent } from '../resource.js';
import { NFT_FAMILIES, type NftFamily } from './json-listing.js';
import { canonicalRule } from './text-listing.js';
import { NFTABLES_SCRIPT, parseNftables, type NftChain, type NftSet, type NftTable } from './query.js';

export { NFTABLES_SCRIPT, parseNftables, type NftablesFacts, type NftRuleset } from './query.js';
export { parseNftJson, elementText } from './json-listing.js';
export { canonicalRule, parseNftText } from './text-listing.js';

/** A name as the kernel keeps it: any text up to 255 bytes, without control characters. */
const NAME = /^[^\p{Cc}]{1,255}$/u;

const TableSubjectSchema = z
  .string()
  .regex(
    new RegExp(`^(${NFT_FAMILIES.join('|')}) [^\\p{Cc}]{1,255}$`, 'u'),
    `a family (${NFT_FAMILIES.join(', ')}), a space and a table name, as in "inet filter"`,
  );

export const NftablesOptionsSchema = z
  .object({
    /** A chain of the table: its type, hook, priority, policy and rules. */
    chain: z.string().regex(NAME, 'a chain name (no control characters)').optional(),
    /** A named set of the table: its type, flags and elements. */
    set: z.string().regex(NAME, 'a set name (no control characters)').optional(),
  })
  .strict()
  .refine((options) => options.chain === undefined || options.set === undefined, {
    message: 'name a chain or a set, not both',
  });
export type NftablesOptions = z.infer<typeof NftablesOptionsSchema>;

export interface NftablesFact {
  /** "table inet filter", "chain input of table inet filter". */
  what: string;
  /** "table inet filter". */
  tableWhat: string;
  kind: 'table' | 'chain' | 'set';
  table?: NftTable;
  chain?: NftChain;
  set?: NftSet;
}

function splitSubject(subject: string): { family: NftFamily; name: string } {
  const space = subject.indexOf(' ');
  return { family: subject.slice(0, space) as NftFamily, name: subject.slice(space + 1) };
}

function describeSubject(subject: string, options: NftablesOptions): string {
  if (options.chain !== undefined) return `chain ${options.chain} of table ${subject}`;
  if (options.set !== undefined) return `set ${options.set} of table ${subject}`;
  return `table ${subject}`;
}

function readFact(subject: string, options: NftablesOptions, facts: ReturnType<typeof parseNftables>): NftablesFact {
  if ('unknown' in facts) throw new FactError(facts.unknown);
  const { family, name } = splitSubject(subject);
  const what = describeSubject(subject, options);
  const tableWhat = `table ${subject}`;
  const table = facts.tables.find((t) => t.family === family && t.name === name);
  const inTable = (item: { family: string; table: string }) => item.family === family && item.table === name;
  if (options.chain !== undefined) {
    const chain = facts.chains.find((c) => inTable(c) && c.name === options.chain);
    return { what, tableWhat, kind: 'chain', ...(table && { table }), ...(chain && { chain }) };
  }
  if (options.set !== undefined) {
    const set = facts.sets.find((s) => inTable(s) && s.name === options.set);
    return { what, tableWhat, kind: 'set', ...(table && { table }), ...(set && { set }) };
  }
  return { what, tableWhat, kind: 'table', ...(table && { table }) };
}

function missing(fact: NftablesFact): string {
  return `there is no ${fact.table ? fact.what : fact.tableWhat}`;
}

/** The chain a chain matcher reads; a check of a table or a set is a mistake in the spec. */
function chainOf(fact: NftablesFact, matcher: string): NftChain | Absent {
  if (fact.kind !== 'chain') throw new FactError(`${matcher} is read from a chain: name one with options.chain`);
  return fact.chain ?? { absent: missing(fact) };
}

function setOf(fact: NftablesFact, matcher: string): NftSet | Absent {
  if (fact.kind !== 'set') throw new FactError(`${matcher} is read from a set: name one with options.set`);
  return fact.set ?? { absent: missing(fact) };
}

/** A base chain's setting; a regular chain (a jump target) has none. */
function baseSetting(fact: NftablesFact, matcher: string, read: (chain: NftChain) => string | number | undefined) {
  const chain = chainOf(fact, matcher);
  if ('absent' in chain) return chain;
  return read(chain) ?? { absent: `${chain.name} is a regular chain (no hook): it has no ${matcher}` };
}

function present<T extends object>(value: T | Absent): T {
  if ('absent' in value) throw new FactError(value.absent);
  return value;
}

const RuleArgs = z.object({ rule: z.string().trim().min(1) }).strict();
const ElementArgs = z.object({ element: z.union([z.string().trim().min(1), z.number()]) }).strict();

export const nftablesResource = defineResource({
  type: 'nftables',
  summary: 'A native nftables table, chain or set (nft list ruleset): exists, hook, priority, policy, rules, elements.',
  subject: TableSubjectSchema,
  options: NftablesOptionsSchema,
  title: (subject: string, options: NftablesOptions) => `nftables ${describeSubject(subject, options)}`,
  facts: {
    ruleset: (subject: string, options: NftablesOptions) => ({
      key: 'nftables',
      script: NFTABLES_SCRIPT,
      parse: (frame) => readFact(subject, options, parseNftables(frame)),
    }),
  },
  matchers: {
    exists: predicate<NftablesFact, Record<string, never>>({
      fact: 'ruleset',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) => {
        const found = fact.kind === 'table' ? fact.table : (fact.chain ?? fact.set);
        return found ? { pass: true, actual: 'it exists' } : { pass: false, actual: missing(fact) };
      },
    }),
    type: attribute<NftablesFact>({
      fact: 'ruleset',
      needsRunningSystem: true,
      describe: 'have type',
      read: (fact) => {
        if (fact.kind === 'set') {
          const set = setOf(fact, 'type');
          return 'absent' in set ? set : (set.type ?? { absent: `${set.name} has no type in the listing` });
        }
        return baseSetting(fact, 'type', (chain) => chain.type);
      },
    }),
    hook: attribute<NftablesFact>({
      fact: 'ruleset',
      needsRunningSystem: true,
      describe: 'have hook',
      read: (fact) => baseSetting(fact, 'hook', (chain) => chain.hook),
    }),
    priority: attribute<NftablesFact>({
      fact: 'ruleset',
      needsRunningSystem: true,
      describe: 'have priority',
      read: (fact) => baseSetting(fact, 'priority', (chain) => chain.priority),
    }),
    policy: attribute<NftablesFact>({
      fact: 'ruleset',
      needsRunningSystem: true,
      describe: 'have policy',
      read: (fact) => baseSetting(fact, 'policy', (chain) => chain.policy),
    }),
    rules: attribute<NftablesFact>({
      fact: 'ruleset',
      needsRunningSystem: true,
      describe: 'have rules',
      read: (fact) => {
        const chain = chainOf(fact, 'rules');
        return 'absent' in chain ? chain : chain.rules;
      },
    }),
    ruleCount: attribute<NftablesFact>({
      fact: 'ruleset',
      needsRunningSystem: true,
      describe: 'have rule count',
      read: (fact) => {
        const chain = chainOf(fact, 'ruleCount');
        return 'absent' in chain ? chain : chain.rules.length;
      },
    }),
    hasRule: predicate<NftablesFact, z.infer<typeof RuleArgs>>({
      fact: 'ruleset',
      needsRunningSystem: true,
      args: RuleArgs,
      describe: (args) => `have rule ${JSON.stringify(args.rule)}`,
      test: (fact, args) => {
        const chain = present(chainOf(fact, 'hasRule'));
        const wanted = canonicalRule(args.rule);
        if (chain.rules.includes(wanted)) return { pass: true, actual: 'it has it' };
        return { pass: false, actual: `none of its ${chain.rules.length} rules is ${JSON.stringify(wanted)}` };
      },
    }),
    flags: attribute<NftablesFact>({
      fact: 'ruleset',
      needsRunningSystem: true,
      describe: 'have flags',
      read: (fact) => {
        const set = setOf(fact, 'flags');
        return 'absent' in set ? set : set.flags;
      },
    }),
    elements: attribute<NftablesFact>({
      fact: 'ruleset',
      needsRunningSystem: true,
      describe: 'have elements',
      read: (fact) => {
        const set = setOf(fact, 'elements');
        return 'absent' in set ? set : set.elements;
      },
    }),
    hasElement: predicate<NftablesFact, z.infer<typeof ElementArgs>>({
      fact: 'ruleset',
      needsRunningSystem: true,
      args: ElementArgs,
      describe: (args) => `have element ${JSON.stringify(String(args.element))}`,
      test: (fact, args) => {
        const set = present(setOf(fact, 'hasElement'));
        if (set.elements.includes(String(args.element))) return { pass: true, actual: 'it has it' };
        return { pass: false, actual: `none of its ${set.elements.length} elements is ${String(args.element)}` };
      },
    }),
  },
});
