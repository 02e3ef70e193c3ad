import { z } from 'zod';
import type { Path } from '../inputs/located-yaml.js';
import { readInputFile } from '../inputs/read.js';
import { parseYamlInput } from '../inputs/yaml-input.js';
import { locatedError } from '../inputs/zod-issues.js';
import { ChangeTypeSchema, type Acceptance, type ChangeType } from './diff-schema.js';
import type { KeyMatcher } from './key-glob.js';
import { checkAttribute, compileLocated } from './ignore.js';
import { SnapshotKindSchema, type SnapshotKind } from './snapshot-schema.js';

/**
 * The accepted-drift file: known differences someone has answered for, each with a reason, an
 * owner and an expiry date. Accepted drift is listed in every report as accepted (never hidden)
 * and does not count as drift. From the day after `expires` an entry stops applying: the drift
 * counts again and every report carries a warning naming the entry.
 *
 *   accepted:
 *     - kind: packages
 *       key: openssl:amd64            # a glob on the item key, like ignore files
 *       change: changed               # added | removed | changed
 *       attribute: version            # changed only: just this attribute
 *       reason: hotfix for CVE-2024-0001 until the next image
 *       owner: platform-team
 *       expires: 2025-09-30           # the last day it applies (UTC)
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const ExpirySchema = z
  .string()
  .regex(DATE, 'expected a date as YYYY-MM-DD (the last day the entry applies)')
  .refine(isRealDate, 'not a date in the calendar');

export const AcceptEntrySchema = z
  .object({
    kind: SnapshotKindSchema.describe(
      'packages, services, listeners, users, groups, kernelParameters, mounts or files.',
    ),
    key: z
      .string()
      .min(1)
      .describe('Glob on the item key: "openssl:amd64", "tcp4 0.0.0.0:8080", "/etc/motd", "/opt/app/**".'),
    change: ChangeTypeSchema.describe('Which difference is accepted.'),
    attribute: z
      .string()
      .optional()
      .describe('With change: changed, only this attribute; without it, the whole change.'),
    reason: z.string().trim().min(1, 'say why the drift is accepted'),
    owner: z.string().trim().min(1, 'name who answers for it'),
    expires: ExpirySchema,
  })
  .strict();

export const AcceptFileSchema = z
  .object({
    accepted: z.array(AcceptEntrySchema),
  })
  .strict();

export interface AcceptEntry {
  kind: SnapshotKind;
  key: string;
  matches: KeyMatcher;
  change: ChangeType;
  attribute?: string;
  acceptance: Acceptance;
}

export interface AcceptedDrift {
  entries: readonly AcceptEntry[];
}

export const NO_ACCEPTED_DRIFT: AcceptedDrift = { entries: [] };

export function loadAcceptFile(path: string, cwd: string): AcceptedDrift {
  return parseAcceptFile(readInputFile(path, 'accept', cwd), path);
}

export function parseAcceptFile(text: string, source: string): AcceptedDrift {
  const expected = (path: Path) =>
    path.length === 0 ? Object.keys(AcceptFileSchema.shape) : Object.keys(AcceptEntrySchema.shape);
  const { value, where } = parseYamlInput(text, source, AcceptFileSchema, {
    shape: 'an accepted-drift file must be a map with `accepted:` (a list of entries)',
    expectedKeys: expected,
  });
  const entries = value.accepted.map((entry, index): AcceptEntry => {
    const at = ['accepted', index];
    if (entry.attribute !== undefined) {
      if (entry.change !== 'changed')
        throw locatedError(
          '`attribute` goes with change: changed (an added or removed item has no single changed attribute)',
          where,
          [...at, 'attribute'],
        );
      checkAttribute(entry.attribute, [entry.kind], where, [...at, 'attribute']);
    }
    return {
      kind: entry.kind,
      key: entry.key,
      matches: compileLocated([entry.key], where, [...at, 'key']),
      change: entry.change,
      ...(entry.attribute !== undefined ? { attribute: entry.attribute } : {}),
      acceptance: { reason: entry.reason, owner: entry.owner, expires: entry.expires, source: where.at(at) },
    };
  });
  return { entries };
}

/** The UTC calendar day of a moment: entries apply through their `expires` day. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function isExpired(entry: AcceptEntry, now: Date): boolean {
  return entry.acceptance.expires < utcDay(now);
}

/** The warning every report carries for an expired entry. */
export function describeExpired(entry: AcceptEntry): string {
  const what = `${entry.kind} ${entry.key} ${entry.change}${entry.attribute ? ` ${entry.attribute}` : ''}`;
  return (
    `accepted drift expired on ${entry.acceptance.expires} and no longer applies: ${what} (owner ` +
    `${entry.acceptance.owner}; ${entry.acceptance.source})`
  );
}

export interface AcceptanceMatch {
  /** The first entry in force that covers the difference. */
  accepted?: Acceptance;
  /** An expired entry that would have covered it, when none in force does. */
  expired?: Acceptance;
}

/**
 * Looks up a difference: an item added or removed, a whole change (attribute undefined), or one
 * attribute of a change. An entry without `attribute` covers every attribute of the change.
 */
export function findAcceptance(
  drift: AcceptedDrift,
  now: Date,
  kind: SnapshotKind,
  key: string,
  change: ChangeType,
  attribute?: string,
): AcceptanceMatch {
  const matching = drift.entries.filter(
    (entry) =>
      entry.kind === kind &&
      entry.change === change &&
      (entry.attribute === undefined || entry.attribute === attribute) &&
      entry.matches(kind, key),
  );
  const inForce = matching.find((entry) => !isExpired(entry, now));
  if (inForce) return { accepted: inForce.acceptance };
  const expired = matching[0];
  return expired ? { expired: expired.acceptance } : {};
}

function isRealDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
