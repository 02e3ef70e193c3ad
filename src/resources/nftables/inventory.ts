import { z } from 'zod';
import { listCollection, type InventoryPart } from '../inventory-part.js';
import { NFT_FAMILIES } from './json-listing.js';
import { NFTABLES_SCRIPT, parseNftables } from './query.js';

export const NftablesChainItemSchema = z
  .object({
    family: z.enum(NFT_FAMILIES),
    table: z.string().min(1),
    chain: z.string().min(1),
    /** filter, nat, route; null with hook, priority and policy for a regular chain (a jump target). */
    type: z.string().nullable(),
    hook: z.string().nullable(),
    priority: z.number().int().nullable(),
    policy: z.string().nullable(),
    /** The chain's rules in order, as `nft list chain` prints them (without counter values or handles). */
    rules: z.array(z.string()),
  })
  .strict();
export type NftablesChainItem = z.infer<typeof NftablesChainItemSchema>;

const KIND = 'nftablesChains';

/**
 * Every chain of every nftables table (the native ruleset, iptables-nft's tables included): a rule
 * added, removed or moved is the chain's `rules` changed (old → new), a new policy, hook or
 * priority that attribute changed, a new chain or table an added item. A ruleset that could not be
 * read (no root, output that does not parse) is a gap, never an empty set; a host without nft at
 * all lists no chain, as a host without sshd lists no sshd setting.
 */
export const nftablesInventory: InventoryPart<NftablesChainItem> = {
  kind: KIND,
  noun: 'nftables chain',
  absentFromOlderSnapshots: true,
  needsRunningSystem: true,
  listing: {
    type: 'framed',
    id: 'snapshot-nftables',
    script: NFTABLES_SCRIPT,
    read: (frame, { ignored }) => {
      const facts = parseNftables(frame);
      if ('unknown' in facts) return { items: [], gaps: facts.noTool ? [] : [{ kind: KIND, reason: facts.unknown }] };
      const items = facts.chains
        .filter((chain) => !ignored(`${chain.family} ${chain.table} ${chain.name}`))
        .map(
          (chain): NftablesChainItem => ({
            family: chain.family,
            table: chain.table,
            chain: chain.name,
            type: chain.type ?? null,
            hook: chain.hook ?? null,
            priority: chain.priority ?? null,
            policy: chain.policy ?? null,
            rules: chain.rules,
          }),
        );
      return { items, gaps: [] };
    },
  },
  collection: listCollection(
    NftablesChainItemSchema,
    (item) => item.family,
    (item) => item.table,
    (item) => item.chain,
  ),
  identity: (item) => `${item.family} ${item.table} ${item.chain}`,
  attributes: ['type', 'hook', 'priority', 'policy', 'rules'],
  unique: true,
};
