import type { AttributeValue, ChangeType, FleetGroup, HostDrift } from './diff-schema.js';
import type { SnapshotKind } from './snapshot-schema.js';

/**
 * The fleet summary: drift found identical on several hosts, told once with the hosts it is on
 * ("12 hosts: + user intruder"). Derived from the hosts' drift; nothing in it is new.
 */

/** The name a host goes by in reports: its inventory name, or its target. */
export function hostName(host: Pick<HostDrift, 'target' | 'inventory'>): string {
  return host.inventory?.name ?? host.target;
}

interface Pending {
  group: Omit<FleetGroup, 'hosts'>;
  hosts: string[];
}

/**
 * Drift that is not accepted and is the same on at least two hosts (by name: a host compared twice
 * counts once), the most widespread first; an item told under its cause is told with the cause.
 * Identical means the same kind, change type and key and, for a change, the same attributes with
 * the same old and new values.
 */
export function fleetSummary(hosts: readonly HostDrift[]): FleetGroup[] {
  const groups = new Map<string, Pending>();
  // Drift on several hosts is drift some host other than the largest has too: the largest host's
  // other items (a million changed files on one host) are never grouped, nor held in memory twice.
  const largest = hostWithMostItems(hosts);
  const elsewhere = new Set<string>();
  for (const host of hosts) {
    if (host === largest) continue;
    for (const kind of host.kinds)
      for (const type of CHANGE_TYPES) for (const item of kind[type]) elsewhere.add(itemId(kind.kind, type, item.key));
  }
  for (const host of hosts) {
    for (const kind of host.kinds) {
      for (const type of CHANGE_TYPES) {
        for (const item of kind[type]) {
          if (host === largest && !elsewhere.has(itemId(kind.kind, type, item.key))) continue;
          // Accepted drift is not drift; an item told under its cause (a package's files) goes with it.
          if (item.accepted || ('cause' in item && item.cause !== undefined)) continue;
          const group = groupOf(kind.kind, type, item);
          const signature = JSON.stringify(group);
          const pending = groups.get(signature) ?? { group, hosts: [] };
          const name = hostName(host);
          if (!pending.hosts.includes(name)) pending.hosts.push(name);
          groups.set(signature, pending);
        }
      }
    }
  }
  const order = { added: 0, removed: 1, changed: 2 } as const;
  return [...groups.values()]
    .filter((pending) => pending.hosts.length >= 2)
    .sort(
      (a, b) =>
        b.hosts.length - a.hosts.length ||
        compare(a.group.kind, b.group.kind) ||
        order[a.group.type] - order[b.group.type] ||
        compare(a.group.key, b.group.key),
    )
    .map(({ group, hosts: names }) => ({ ...group, hosts: names }));
}

const CHANGE_TYPES = ['added', 'removed', 'changed'] as const;

function itemId(kind: string, type: ChangeType, key: string): string {
  return `${kind}\0${type}\0${key}`;
}

function itemCount(host: HostDrift): number {
  return host.kinds.reduce((sum, kind) => sum + kind.added.length + kind.removed.length + kind.changed.length, 0);
}

function hostWithMostItems(hosts: readonly HostDrift[]): HostDrift | undefined {
  let largest: HostDrift | undefined;
  let largestCount = -1;
  for (const host of hosts) {
    const count = itemCount(host);
    if (count > largestCount) [largest, largestCount] = [host, count];
  }
  return largest;
}

function groupOf(
  kind: SnapshotKind,
  type: ChangeType,
  item: { key: string; changes?: ReadonlyArray<{ attribute: string; old?: AttributeValue; new?: AttributeValue }> },
): Omit<FleetGroup, 'hosts'> {
  if (item.changes === undefined) return { kind, type, key: item.key };
  const changes = item.changes.map((change) => ({
    attribute: change.attribute,
    ...(change.old !== undefined ? { old: change.old } : {}),
    ...(change.new !== undefined ? { new: change.new } : {}),
  }));
  return { kind, type, key: item.key, changes };
}

/** Code-unit order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
