import { z } from 'zod';
import { FactError } from '../resource.js';

export const NFT_FAMILIES = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'] as const;
export type NftFamily = (typeof NFT_FAMILIES)[number];

const Family = z.enum(NFT_FAMILIES);
const Handle = z.number().int().nonnegative();

const TableSchema = z.object({ family: Family, name: z.string(), handle: Handle });
const ChainSchema = z.object({
  family: Family,
  table: z.string(),
  name: z.string(),
  handle: Handle,
  type: z.string().optional(),
  hook: z.string().optional(),
  prio: z.number().int().optional(),
  policy: z.string().optional(),
});
const RuleSchema = z.object({ family: Family, table: z.string(), chain: z.string(), handle: Handle });
const SetSchema = z.object({
  family: Family,
  table: z.string(),
  name: z.string(),
  type: z.union([z.string(), z.array(z.string())]).optional(),
  flags: z.array(z.string()).optional(),
  elem: z.array(z.unknown()).optional(),
});

/** `nft -j list ruleset`: one object per table, chain, rule, set …; kinds not read here are left alone. */
const ListingSchema = z.object({ nftables: z.array(z.record(z.string(), z.unknown())) });

export type NftTableEntry = z.infer<typeof TableSchema>;
export type NftChainEntry = z.infer<typeof ChainSchema>;
export type NftRuleEntry = z.infer<typeof RuleSchema>;
export type NftSetEntry = z.infer<typeof SetSchema>;

export interface NftJsonListing {
  tables: NftTableEntry[];
  chains: NftChainEntry[];
  rules: NftRuleEntry[];
  sets: NftSetEntry[];
}

/** The objects read, each in the shape above; another kind (map, flowtable, counter …) is skipped. */
const READ_KINDS = ['table', 'chain', 'rule', 'set'] as const;
const SCHEMAS = { table: TableSchema, chain: ChainSchema, rule: RuleSchema, set: SetSchema };

export function parseNftJson(text: string, what: string): NftJsonListing {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FactError(`${what}: the output is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const parsed = ListingSchema.safeParse(value);
  if (!parsed.success) throw new FactError(`${what}: not an nftables JSON listing`);
  const listing: NftJsonListing = { tables: [], chains: [], rules: [], sets: [] };
  let versioned = false;
  for (const entry of parsed.data.nftables) {
    if ('metainfo' in entry) versioned = true;
    const kind = READ_KINDS.find((name) => name in entry);
    if (kind === undefined) continue;
    const object = SCHEMAS[kind].safeParse(entry[kind]);
    if (!object.success) throw new FactError(`${what}: a ${kind} of an unexpected shape in the JSON listing`);
    pushEntry(listing, kind, object.data);
  }
  if (!versioned) throw new FactError(`${what}: the JSON listing has no metainfo (not nft's output)`);
  return listing;
}

function pushEntry(listing: NftJsonListing, kind: (typeof READ_KINDS)[number], data: unknown): void {
  if (kind === 'table') listing.tables.push(data as NftTableEntry);
  else if (kind === 'chain') listing.chains.push(data as NftChainEntry);
  else if (kind === 'rule') listing.rules.push(data as NftRuleEntry);
  else listing.sets.push(data as NftSetEntry);
}

/**
 * A set element as `nft list set` writes it: an address or number as is, a prefix `a/len`, a range
 * `a-b`, a concatenation `a . b`; an element with a timeout or comment by its value.
 */
export function elementText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const prefix = object.prefix as { addr?: unknown; len?: unknown } | undefined;
    if (prefix && typeof prefix === 'object') return `${elementText(prefix.addr)}/${elementText(prefix.len)}`;
    if (Array.isArray(object.range) && object.range.length === 2)
      return `${elementText(object.range[0])}-${elementText(object.range[1])}`;
    if (Array.isArray(object.concat)) return object.concat.map(elementText).join(' . ');
    const elem = object.elem as { val?: unknown } | undefined;
    if (elem && typeof elem === 'object' && 'val' in elem) return elementText(elem.val);
  }
  // A shape this reader does not know stays its JSON text: it never equals a written element.
  return JSON.stringify(value);
}
