import type { Frame } from '../../probe/frames.js';
import { partScript, partsScript } from '../../probe/parts.js';
import { FactError, readParts, requireExit, requirePart } from '../resource.js';
import { elementText, parseNftJson, type NftFamily, type NftJsonListing } from './json-listing.js';
import { parseNftText, type TextRules } from './text-listing.js';

/**
 * One query answers every nftables check and the snapshot: the ruleset as JSON (tables, chains
 * with type, hook, priority and policy, sets and their elements: structure read without guessing)
 * and as text with handles (each rule in the form `nft list chain` prints and users write). Both
 * are stateless (`-s`): no counter values, which change with every packet.
 */
export const NFTABLES_SCRIPT = partsScript([
  partScript('json', 'exec nft -j -s list ruleset'),
  partScript('text', 'exec nft -s -a list ruleset'),
]);

export interface NftTable {
  family: NftFamily;
  name: string;
}

export interface NftChain extends NftTable {
  table: string;
  /** filter, nat, route; with hook, priority and policy only for a base chain. */
  type?: string;
  hook?: string;
  priority?: number;
  policy?: string;
  /** Each rule as `nft list chain` prints it, without its handle, in order. */
  rules: string[];
}

export interface NftSet extends NftTable {
  table: string;
  /** `ipv4_addr`, `inet_service`, or a concatenation `ipv4_addr . inet_service`. */
  type: string | null;
  flags: string[];
  elements: string[];
}

export interface NftRuleset {
  tables: NftTable[];
  chains: NftChain[];
  sets: NftSet[];
}

/** The ruleset, or why it could not be read; `noTool` where nft is not installed at all. */
export type NftablesFacts = NftRuleset | { unknown: string; noTool?: true };

const WHAT = 'reading the nftables ruleset';

export function parseNftables(frame: Frame): NftablesFacts {
  try {
    const parts = readParts(frame, WHAT);
    const json = requirePart(parts, 'json', WHAT);
    if (json.exitCode === 127) return { unknown: `nft: command not found on the target (exit 127)`, noTool: true };
    requireExit(json, [0], 'nft -j list ruleset');
    const text = requirePart(parts, 'text', WHAT);
    requireExit(text, [0], 'nft -a list ruleset');
    const listing = parseNftJson(json.stdout.toString('utf8'), 'nft -j list ruleset');
    return joinListings(listing, parseNftText(text.stdout.toString('utf8'), 'nft -a list ruleset'));
  } catch (error) {
    if (error instanceof FactError) return { unknown: error.message };
    throw error;
  }
}

const CHANGED = 'the JSON and text listings differ (did the ruleset change while it was read?)';

function joinListings(listing: NftJsonListing, text: TextRules): NftRuleset {
  const tableHandle = new Map(listing.tables.map((t) => [`${t.family} ${t.name}`, t.handle]));
  const chains = listing.chains.map((c): NftChain & { handle: number } => ({
    family: c.family,
    table: c.table,
    name: c.name,
    handle: c.handle,
    ...(c.type === undefined ? {} : { type: c.type }),
    ...(c.hook === undefined ? {} : { hook: c.hook }),
    ...(c.prio === undefined ? {} : { priority: c.prio }),
    ...(c.policy === undefined ? {} : { policy: c.policy }),
    rules: [],
  }));
  const byName = new Map(chains.map((c) => [`${c.family} ${c.table} ${c.name}`, c]));
  const used = new Map<string, number>();
  for (const rule of listing.rules) {
    const tableKey = `${rule.family} ${tableHandle.get(`${rule.family} ${rule.table}`)}`;
    const chain = byName.get(`${rule.family} ${rule.table} ${rule.chain}`);
    const found = text.get(tableKey)?.get(rule.handle);
    if (!chain || !found || found.chainHandle !== chain.handle) throw new FactError(`${WHAT}: ${CHANGED}`);
    chain.rules.push(found.text);
    used.set(tableKey, (used.get(tableKey) ?? 0) + 1);
  }
  for (const [key, rules] of text) if (rules.size !== (used.get(key) ?? 0)) throw new FactError(`${WHAT}: ${CHANGED}`);
  return {
    tables: listing.tables.map(({ family, name }) => ({ family, name })),
    chains: chains.map(({ handle: _handle, ...chain }) => chain),
    sets: listing.sets.map((s) => ({
      family: s.family,
      table: s.table,
      name: s.name,
      type: s.type === undefined ? null : [s.type].flat().join(' . '),
      flags: s.flags ?? [],
      elements: (s.elem ?? []).map(elementText),
    })),
  };
}
