import { z } from 'zod';
import { listCollection, type InventoryGap, type InventoryPart } from '../inventory-part.js';
import { IPTABLES_FAMILIES, IPTABLES_SCRIPT, parseIptables } from './query.js';

export const IptablesChainItemSchema = z
  .object({
    family: z.enum(IPTABLES_FAMILIES),
    backend: z.enum(['nf_tables', 'legacy']),
    table: z.string().min(1),
    chain: z.string().min(1),
    /** ACCEPT, DROP …; null for a user-defined chain. */
    policy: z.string().nullable(),
    /** The chain's rules in order, as iptables-save prints them after `-A CHAIN `. */
    rules: z.array(z.string()),
  })
  .strict();
export type IptablesChainItem = z.infer<typeof IptablesChainItemSchema>;

const KIND = 'iptablesChains';

/**
 * Every chain of every loaded table, per family and backend: a rule added, removed or moved is the
 * chain's `rules` changed (old → new), a new policy its `policy`, a new user chain an added item.
 * A family whose rules could not be read (no root, output that does not parse) is a gap, never an
 * empty set; a host without the save command at all lists none of that family.
 */
export const iptablesInventory: InventoryPart<IptablesChainItem> = {
  kind: KIND,
  noun: 'iptables chain',
  absentFromOlderSnapshots: true,
  needsRunningSystem: true,
  listing: {
    type: 'framed',
    id: 'snapshot-iptables',
    script: IPTABLES_SCRIPT,
    read: (frame, { ignored }) => {
      const facts = parseIptables(frame);
      const items: IptablesChainItem[] = [];
      const gaps: InventoryGap[] = [];
      for (const family of IPTABLES_FAMILIES) {
        const rules = facts[family];
        if ('unknown' in rules) {
          // Like sshd settings without sshd: a host without the iptables tools lists no chain.
          if (!rules.noTool) gaps.push({ kind: KIND, reason: rules.unknown });
          continue;
        }
        for (const { backend, table, chain, policy, rules: lines } of rules.chains)
          if (!ignored(`${family} ${table} ${chain}`))
            items.push({ family, backend, table, chain, policy, rules: lines });
      }
      return { items, gaps };
    },
  },
  collection: listCollection(
    IptablesChainItemSchema,
    (item) => item.family,
    (item) => item.backend,
    (item) => item.table,
    (item) => item.chain,
  ),
  identity: (item) => `${item.family} ${item.backend} ${item.table} ${item.chain}`,
  attributes: ['policy', 'rules'],
  unique: true,
};
