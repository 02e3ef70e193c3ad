import { KIND_DEFINITIONS, printable } from '../src/drift/diff-kinds.js';

export { printable };
import type { AddedOrRemoved, AttributeValue, ChangedItem, ChangeType, DriftReport, HostDrift, NotCompared, SnapshotInfo } from '../src/drift/diff-schema.js';
import type { SnapshotKind } from '../src/drift/snapshot-schema.js';

/** Text shared by the drift reporters, so that every format words the same drift the same way. */

export type DriftItem = AddedOrRemoved | ChangedItem;

export interface FlatItem {
  kind: SnapshotKind;
  type: ChangeType;
  item: DriftItem;
}

const TYPES: readonly ChangeType[] = ['added', 'removed', 'changed'];

/** Every item of a host, kind by kind in snapshot order, added then removed then changed. */
export function flatItems(host: HostDrift): FlatItem[] {
  return host.kinds.flatMap((kind) => TYPES.flatMap((type) => (kind[type] as DriftItem[]).map((item) => ({ kind: kind.kind, type, item }))));
}

export const TYPE_MARK: Record<ChangeType, string> = { added: '+', removed: '-', changed: '~' };

export function noun(kind: SnapshotKind): string {
  return KIND_DEFINITIONS[kind].noun;
}

/** `"text"` for strings that need it, lists in brackets, null as "(none)", a missing value as "(not recorded)". */
export function formatValue(value: AttributeValue | undefined, options: { shortHashes?: boolean } = {}): string {
  if (value === undefined) return '(not recorded)';
  if (value === null) return '(none)';
  if (Array.isArray(value)) return `[${value.map(printable).join(', ')}]`;
  if (typeof value === 'string') {
    if (options.shortHashes && /^[0-9a-f]{64}$/.test(value)) return `${value.slice(0, 16)}…`;
    return value === '' ? '""' : printable(value);
  }
  return String(value);
}

/** A value of an attribute, saying "(unknown)" where the snapshot records null for "could not be read". */
export function formatAttribute(kind: SnapshotKind, attribute: string, value: AttributeValue | undefined, options: { shortHashes?: boolean } = {}): string {
  if (value === null && KIND_DEFINITIONS[kind].unknownWhenNull?.includes(attribute)) return '(unknown)';
  return formatValue(value, options);
}

/** The attributes of an added or removed item, in the kind's order: "version 1.2-3". */
export function describeRecord(kind: SnapshotKind, record: Record<string, AttributeValue>, options: { shortHashes?: boolean } = {}): string {
  return KIND_DEFINITIONS[kind].attributes
    .filter((attribute) => record[attribute] !== undefined)
    .map((attribute) => `${attribute} ${formatAttribute(kind, attribute, record[attribute], options)}`)
    .join(' · ');
}

/** What happened to the item at the gate, in words; undefined for drift no policy judged. */
export function describeDecision(item: DriftItem): string | undefined {
  if (item.accepted) return `accepted: ${item.accepted.reason} (owner ${item.accepted.owner}, until ${item.accepted.expires})`;
  if (!item.gate) return undefined;
  return `${item.gate.action === 'block' ? 'blocks' : 'allowed'}: ${item.gate.rule}`;
}

export function decisionTone(item: DriftItem): 'accepted' | 'block' | 'allow' | 'open' {
  if (item.accepted) return 'accepted';
  return item.gate?.action ?? 'open';
}

export function describeExpired(item: DriftItem): string | undefined {
  const expired = item.expiredAcceptance;
  return expired ? `was accepted until ${expired.expires} (owner ${expired.owner}; ${expired.source}); no longer` : undefined;
}

export function describeNotCompared(entry: NotCompared): string {
  const what = [entry.kind, entry.path === undefined ? undefined : printable(entry.path)].filter((part) => part !== undefined).join(' ');
  return what ? `${what}: ${entry.reason}` : entry.reason;
}

export function describeSnapshotInfo(info: SnapshotInfo): string {
  return `${info.target} (${info.hostname}, ${info.os}) taken ${info.takenAt}${info.file ? ` · ${info.file}` : ''}${info.complete ? '' : ' · INCOMPLETE'}`;
}

export function stateWords(host: HostDrift): string {
  if (host.state === 'no-drift') return 'no drift';
  if (host.state === 'drift') return 'drift';
  return host.reason ? `incomplete: ${host.reason}` : 'incomplete';
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
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
  return report.mode === 'snapshots' ? `${report.baseline.file ?? report.baseline.target} → ${report.hosts[0]?.candidate?.file ?? report.hosts[0]?.target ?? ''}` : `baseline ${report.baseline.file ?? report.baseline.target}`;
}
