import type { AnyInventoryPart, Companions } from '../resources/inventory-part.js';
import type { AddedOrRemoved, Brought, ChangedItem, ChangeType, HostDrift, KindDrift } from './diff-schema.js';

const GROUPED_TYPES = ['added', 'removed'] as const;

/**
 * Groups added and removed items under the item they came or went with (a package's files under
 * the package, a home under its user), as each kind's `brings` names them. Nothing is dropped or
 * recounted: a grouped item keeps its place, its count and its gate, and gains a `cause`; its
 * cause gains `brought`. An item is grouped under the first cause that claims it.
 */
export function groupByCause(kinds: readonly KindDrift[], parts: readonly AnyInventoryPart[]): KindDrift[] {
  const byKind = new Map(kinds.map((kind) => [kind.kind as string, kind]));
  const causes = new Map<string, AddedOrRemoved['cause']>();
  const brought = new Map<string, Brought[]>();
  // The keys of each kind's added and removed items, made once: a package of forty files looks up forty.
  const present = new Map<string, { keys: Set<string>; list: readonly string[] }>();
  const presentIn = (type: GroupedType, kind: string) => {
    const id = `${type}\0${kind}`;
    let entry = present.get(id);
    if (!entry) {
      const list = (byKind.get(kind)?.[type] ?? []).map((item) => item.key);
      entry = { keys: new Set(list), list };
      present.set(id, entry);
    }
    return entry;
  };
  for (const part of parts) {
    const kind = byKind.get(part.kind);
    if (!part.brings || !kind) continue;
    for (const type of GROUPED_TYPES) {
      for (const item of kind[type]) {
        const counts = (part.brings(item.record) as Companions[]).flatMap((companions) => {
          const prefix = `${type}\0${companions.kind}`;
          const free = (key: string) => !causes.has(`${prefix}\0${key}`);
          const claimed = claim(presentIn(type, companions.kind), companions).filter(free);
          for (const key of claimed) causes.set(`${prefix}\0${key}`, { kind: kind.kind, key: item.key });
          return claimed.length > 0 ? [{ kind: companions.kind, count: claimed.length } as Brought] : [];
        });
        if (counts.length > 0) brought.set(`${type}\0${kind.kind}\0${item.key}`, counts);
      }
    }
  }
  if (causes.size === 0) return [...kinds];
  return kinds.map((kind) => {
    const decorate = (type: GroupedType) =>
      kind[type].map((item) => {
        const id = `${type}\0${kind.kind}\0${item.key}`;
        const cause = causes.get(id);
        const companions = brought.get(id);
        return cause || companions
          ? { ...item, ...(cause ? { cause } : {}), ...(companions ? { brought: companions } : {}) }
          : item;
      });
    return { ...kind, added: decorate('added'), removed: decorate('removed') };
  });
}

type GroupedType = (typeof GROUPED_TYPES)[number];

/** The keys among the added (or removed) items that the companions name. */
function claim(present: { keys: ReadonlySet<string>; list: readonly string[] }, companions: Companions): string[] {
  const keys = (companions.keys ?? []).filter((key) => present.keys.has(key));
  const under = companions.under;
  // A directory counts only when it came or went too: a home that was already there is not the user's doing.
  if (under === undefined || under === '/' || !present.keys.has(under)) return keys;
  const below = present.list.filter((key) => key === under || key.startsWith(`${under}/`));
  return [...new Set([...keys, ...below])];
}

/** The start of the gate's words for drift no rule of the policy named (src/gate/drift-policy.ts). */
export const NO_RULE_MATCHED = 'no rule matched';

type Item = AddedOrRemoved | ChangedItem;

/**
 * Whether reports tell an item under its cause ("iproute2 removed, with its 39 files") rather
 * than on its own: it has a cause, and the gate had nothing more to say about it than about the
 * cause (an accepted item, or the cause's action by the same rule or by no rule at all). A file
 * a rule blocks by name (a new setuid file of a new package) stays in sight.
 */
export function toldUnderCause(host: HostDrift): (type: ChangeType, item: Item) => boolean {
  const causes = new Map<string, AddedOrRemoved>();
  for (const kind of host.kinds) {
    for (const type of GROUPED_TYPES) {
      for (const item of kind[type]) if (item.brought) causes.set(`${type}\0${kind.kind}\0${item.key}`, item);
    }
  }
  return (type, item) => {
    if (!('cause' in item) || !item.cause) return false;
    const cause = causes.get(`${type}\0${item.cause.kind}\0${item.cause.key}`);
    if (!cause || item.accepted) return cause !== undefined;
    if (cause.accepted || item.gate?.action !== cause.gate?.action) return false;
    return item.gate === undefined || item.gate.rule === cause.gate?.rule || item.gate.rule.startsWith(NO_RULE_MATCHED);
  };
}
