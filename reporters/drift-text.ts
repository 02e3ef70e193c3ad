import { toldUnderCause } from '../src/drift/cause.js';
import { plural } from '../src/text/plural.js';
import { KIND_DEFINITIONS } from '../src/drift/diff-kinds.js';
import { printable } from '../src/text/printable.js';

export { printable };
export { toldUnderCause };
import type {
  AddedOrRemoved,
  AttributeValue,
  ChangedItem,
  ChangeType,
  DriftReport,
  FleetGroup,
  HostDrift,
  KindNote,
  NotCompared,
  SnapshotInfo,
} from '../src/drift/diff-schema.js';
import type { SnapshotKind } from '../src/drift/snapshot-schema.js';

/**
 * Text shared by the drift reporters, so that every format words the same drift the same way.
 * Everything taken from snapshots, accept files or targets comes out printable (src/text/printable.ts).
 */

export type DriftItem = AddedOrRemoved | ChangedItem;

export interface FlatItem {
  kind: SnapshotKind;
  type: ChangeType;
  item: DriftItem;
}

export const TYPES: readonly ChangeType[] = ['added', 'removed', 'changed'];

/**
 * Every item of a host, kind by kind in snapshot order, added then removed then changed; one at a
 * time, so that a drift of millions of items is never copied into one more list.
 */
export function* driftItems(host: HostDrift): Generator<FlatItem> {
  const grouped = toldUnderCause(host);
  for (const kind of host.kinds) {
    for (const type of TYPES) {
      for (const item of kind[type] as DriftItem[]) if (!grouped(type, item)) yield { kind: kind.kind, type, item };
    }
  }
}

/** "with its 39 files" for an item that brought others; "came with package sudo" for one told on its own. */
export function describeGrouping(type: ChangeType, item: DriftItem): string {
  if ('changes' in item) return '';
  if (item.brought) return item.brought.map((b) => `with its ${plural(b.count, noun(b.kind))}`).join(', ');
  if (item.cause)
    return printable(`${type === 'added' ? 'came' : 'went'} with ${noun(item.cause.kind)} ${item.cause.key}`);
  return '';
}

/** An added or removed item's attributes, then what came or went with it. */
export function describeAddedOrRemoved(
  kind: SnapshotKind,
  type: ChangeType,
  item: AddedOrRemoved,
  options: { shortHashes?: boolean } = {},
): string {
  return [describeRecord(kind, item.record, options), describeGrouping(type, item)].filter(Boolean).join(' · ');
}

export function itemCount(host: HostDrift): number {
  return host.kinds.reduce((sum, kind) => sum + kind.added.length + kind.removed.length + kind.changed.length, 0);
}

export function hasItems(host: HostDrift): boolean {
  return itemCount(host) > 0;
}

export const TYPE_MARK: Record<ChangeType, string> = { added: '+', removed: '-', changed: '~' };

export function noun(kind: SnapshotKind): string {
  return KIND_DEFINITIONS[kind].noun;
}

/** `"text"` for strings that need it, lists in brackets, null as "(none)", a missing value as "(not recorded)". */
export function formatValue(value: AttributeValue | undefined, options: { shortHashes?: boolean } = {}): string {
  if (value === undefined) return '(not recorded)';
  if (value === null) return '(none)';
  if (Array.isArray(value)) return `[${value.map((entry) => printable(entry)).join(', ')}]`;
  if (typeof value === 'string') {
    if (options.shortHashes && /^[0-9a-f]{64}$/.test(value)) return `${value.slice(0, 16)}…`;
    return value === '' ? '""' : printable(value);
  }
  return String(value);
}

/** A value of an attribute, saying "(unknown)" where the snapshot records null for "could not be read". */
export function formatAttribute(
  kind: SnapshotKind,
  attribute: string,
  value: AttributeValue | undefined,
  options: { shortHashes?: boolean } = {},
): string {
  if (value === null && KIND_DEFINITIONS[kind].unknownWhenNull?.includes(attribute)) return '(unknown)';
  return formatValue(value, options);
}

/** The attributes of an added or removed item, in the kind's order: "version 1.2-3". */
export function describeRecord(
  kind: SnapshotKind,
  record: Record<string, AttributeValue>,
  options: { shortHashes?: boolean } = {},
): string {
  return KIND_DEFINITIONS[kind].attributes
    .filter((attribute) => record[attribute] !== undefined)
    .map((attribute) => `${attribute} ${formatAttribute(kind, attribute, record[attribute], options)}`)
    .join(' · ');
}

/** What happened to the item at the gate, in words; undefined for drift no policy judged. */
export function describeDecision(item: DriftItem): string | undefined {
  if (item.accepted) {
    const { reason, owner, expires } = item.accepted;
    return printable(`accepted: ${reason} (owner ${owner}, until ${expires})`);
  }
  if (!item.gate) return undefined;
  return printable(`${item.gate.action === 'block' ? 'blocks' : 'allowed'}: ${item.gate.rule}`);
}

export function decisionTone(item: DriftItem): 'accepted' | 'block' | 'allow' | 'open' {
  if (item.accepted) return 'accepted';
  return item.gate?.action ?? 'open';
}

export function describeExpiredAcceptance(item: DriftItem): string | undefined {
  const expired = item.expiredAcceptance;
  if (!expired) return undefined;
  return printable(`was accepted until ${expired.expires} (owner ${expired.owner}; ${expired.source}); no longer`);
}

export function describeNotCompared(entry: NotCompared): string {
  const what = [entry.kind, entry.path === undefined ? undefined : printable(entry.path)]
    .filter((part) => part !== undefined)
    .join(' ');
  return printable(what ? `${what}: ${entry.reason}` : entry.reason);
}

/** "listeners: not compared: the baseline holds no listeners (…)". */
export function describeKindNote(note: KindNote): string {
  return printable(`${note.kind}: ${note.note}`);
}

/** The heading over the kind notes, in every format. */
export const KIND_NOTES_HEADING = 'kinds of an image that was not booted';

export function describeSnapshotInfo(info: SnapshotInfo): string {
  const file = info.file ? ` · ${info.file}` : '';
  const incomplete = info.complete ? '' : ' · INCOMPLETE';
  return printable(`${info.target} (${info.hostname}, ${info.os}) taken ${info.takenAt}${file}${incomplete}`);
}

export function stateWords(host: HostDrift): string {
  if (host.state === 'no-drift') return 'no drift';
  if (host.state === 'drift') return 'drift';
  return host.reason ? `incomplete: ${printable(host.reason)}` : 'incomplete';
}

/** "3 added, 1 removed" — only the non-zero counts; "no differences" when all are zero. */
export function describeCounts(host: HostDrift): string {
  const c = host.counts;
  const parts = [
    c.added > 0 ? `${c.added} added` : '',
    c.removed > 0 ? `${c.removed} removed` : '',
    c.changed > 0 ? `${c.changed} changed` : '',
    c.accepted > 0 ? `${c.accepted} accepted` : '',
    c.ignored > 0 ? `${c.ignored} ignored` : '',
    c.notCompared > 0 ? `${c.notCompared} not compared` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no differences';
}

export function reportTitle(report: DriftReport): string {
  return report.mode === 'snapshots'
    ? `${report.baseline.file ?? report.baseline.target} → ` +
        `${report.hosts[0]?.candidate?.file ?? report.hosts[0]?.target ?? ''}`
    : `baseline ${report.baseline.file ?? report.baseline.target}`;
}

/** The content diffs of a changed item (small text files), with the key of the file each is of. */
export function contentDiffs(item: DriftItem): string[] {
  if (!('changes' in item)) return [];
  return item.changes.flatMap((change) => (change.diff === undefined ? [] : [change.diff]));
}

/** A unified diff's lines, each made safe for a terminal or a text report; the last newline dropped. */
export function diffLines(diff: string): string[] {
  return diff
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => printable(line));
}

/** "inventory web-1 · groups web, prod · tags pci" for a host from an inventory. */
export function describeInventory(host: HostDrift): string | undefined {
  const inventory = host.inventory;
  if (inventory === undefined) return undefined;
  const parts = [`inventory ${printable(inventory.name)}`];
  if (inventory.groups.length > 0) parts.push(`groups ${inventory.groups.map((g) => printable(g)).join(', ')}`);
  if (inventory.tags.length > 0) parts.push(`tags ${inventory.tags.map((t) => printable(t)).join(', ')}`);
  return parts.join(' · ');
}

export const FLEET_HEADING = 'Drift on several hosts';

/** "+ user intruder", "~ file /etc/motd: mode 0644 → 0666". */
export function describeFleetGroup(group: FleetGroup, options: { shortHashes?: boolean } = {}): string {
  const head = `${TYPE_MARK[group.type]} ${noun(group.kind)} ${printable(group.key)}`;
  if (group.changes === undefined) return head;
  const changes = group.changes.map(
    (c) => `${c.attribute} ${formatValue(c.old, options)} → ${formatValue(c.new, options)}`,
  );
  return `${head}: ${changes.join(', ')}`;
}

/** The first hosts of a group by name, then "… and N more". */
export function fleetHosts(group: FleetGroup, shown = 8): string {
  const names = group.hosts.slice(0, shown).map((name) => printable(name));
  const more = group.hosts.length - names.length;
  return more > 0 ? `${names.join(', ')} … and ${more} more` : names.join(', ');
}
