import { z } from 'zod';
import { attribute, defineResource, FactError, NoArgs, predicate, type FactQuery } from '../resource.js';
import { IPTABLES_FAMILIES, IPTABLES_SCRIPT, parseIptables, type BackendChain, type IptablesFamily } from './query.js';

export { IPTABLES_SCRIPT, parseIptables, type IptablesFacts } from './query.js';
export { parseIptablesSave } from './save-format.js';

const ChainNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.+-]{1,28}$/, 'an iptables chain name (letters, digits, "_", ".", "+", "-"; at most 28)');

export const IptablesOptionsSchema = z
  .object({
    /** The table the chain is in; filter by default, as for the iptables command. */
    table: z
      .enum(['filter', 'nat', 'mangle', 'raw', 'security'], { error: 'filter, nat, mangle, raw or security' })
      .optional(),
    /** ipv4 reads iptables-save, ipv6 ip6tables-save; ipv4 by default. */
    family: z.enum(IPTABLES_FAMILIES, { error: 'ipv4 or ipv6' }).optional(),
  })
  .strict();
export type IptablesOptions = z.infer<typeof IptablesOptionsSchema>;

type Table = NonNullable<IptablesOptions['table']>;

/** The chains each table has as soon as it is loaded (iptables -L shows them with policy ACCEPT). */
const BUILT_IN_CHAINS: Record<Table, readonly string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export interface IptablesChainFact {
  chain: string;
  where: string;
  /** The chain in each backend that holds it: none where it does not exist. */
  found: Array<Omit<BackendChain, 'backend'> & { backend: string }>;
}

function chainQuery(chain: string, options: IptablesOptions): FactQuery<IptablesChainFact> {
  const table: Table = options.table ?? 'filter';
  const family: IptablesFamily = options.family ?? 'ipv4';
  return {
    key: 'iptables',
    script: IPTABLES_SCRIPT,
    parse: (frame) => {
      const rules = parseIptables(frame)[family];
      if ('unknown' in rules) throw new FactError(rules.unknown);
      const backends = rules.backends.length > 0 ? `, ${rules.backends.join(' and ')}` : '';
      const where = `the ${table} table (${family}${backends})`;
      const found = rules.chains.filter((c) => c.table === table && c.chain === chain);
      if (found.length > 0 || rules.chains.some((c) => c.table === table)) return { chain, where, found };
      // A table no rule has loaded yet hooks nothing: its built-in chains accept every packet.
      if (!BUILT_IN_CHAINS[table].includes(chain)) return { chain, where: `${where}, not loaded`, found };
      const accepting = { table, chain, policy: 'ACCEPT', rules: [], backend: rules.backends[0] ?? 'no backend' };
      return { chain, where: `${where}, not loaded: no rule filters packets`, found: [accepting] };
    },
  };
}

/** A rule as iptables-save prints it after `-A CHAIN `; a leading `-A CHAIN ` is accepted and dropped. */
export function canonicalRule(rule: string, chain: string): string {
  const words = rule.trim().split(/\s+/);
  return (words[0] === '-A' && words[1] === chain ? words.slice(2) : words).join(' ');
}

function missing(fact: IptablesChainFact, chain: string) {
  return { absent: `there is no chain ${chain} in ${fact.where}` };
}

export const iptablesResource = defineResource({
  type: 'iptables',
  summary: 'An iptables or ip6tables chain (either backend, as iptables-save prints it): exists, policy, rules.',
  subject: ChainNameSchema,
  options: IptablesOptionsSchema,
  title: (chain: string, options: IptablesOptions) =>
    `iptables chain ${chain} (${options.table ?? 'filter'}, ${options.family ?? 'ipv4'})`,
  facts: { chain: (chain: string, options: IptablesOptions) => chainQuery(chain, options) },
  matchers: {
    exists: predicate<IptablesChainFact, Record<string, never>>({
      fact: 'chain',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) =>
        fact.found.length > 0
          ? { pass: true, actual: `it exists in ${fact.where}` }
          : { pass: false, actual: `it is not in ${fact.where}` },
    }),
    policy: attribute<IptablesChainFact>({
      fact: 'chain',
      needsRunningSystem: true,
      describe: 'have policy',
      read: (fact) => {
        if (fact.found.length === 0) return missing(fact, fact.chain);
        const policies = [...new Set(fact.found.map((c) => c.policy))];
        if (policies.length > 1) {
          const each = fact.found.map((c) => `${c.policy ?? 'none'} (${c.backend})`);
          throw new FactError(`the chain has a different policy in each backend: ${each.join(', ')}`);
        }
        return policies[0] ?? { absent: `${fact.chain} is a user-defined chain: it has no policy` };
      },
    }),
    rules: attribute<IptablesChainFact>({
      fact: 'chain',
      needsRunningSystem: true,
      describe: 'have rules',
      read: (fact) => (fact.found.length === 0 ? missing(fact, fact.chain) : fact.found.flatMap((c) => c.rules)),
    }),
    ruleCount: attribute<IptablesChainFact>({
      fact: 'chain',
      needsRunningSystem: true,
      describe: 'have rule count',
      read: (fact) =>
        fact.found.length === 0 ? missing(fact, fact.chain) : fact.found.reduce((n, c) => n + c.rules.length, 0),
    }),
    hasRule: predicate<IptablesChainFact, { rule: string }>({
      fact: 'chain',
      needsRunningSystem: true,
      args: z.object({ rule: z.string().min(1) }).strict(),
      describe: (args) => `have rule ${JSON.stringify(args.rule)}`,
      test: (fact, args) => {
        if (fact.found.length === 0) throw new FactError(missing(fact, fact.chain).absent);
        const wanted = canonicalRule(args.rule, fact.chain);
        const holder = fact.found.find((c) => c.rules.includes(wanted));
        if (holder) return { pass: true, actual: `it has it (${holder.backend})` };
        const count = fact.found.reduce((sum, c) => sum + c.rules.length, 0);
        return { pass: false, actual: `none of its ${count} rules is ${JSON.stringify(wanted)} in ${fact.where}` };
      },
    }),
  },
});
