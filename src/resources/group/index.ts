import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import type { ValueExpectation } from '../../matchers/value.js';
import {
  accountLookupQuery,
  AccountNameSchema,
  findEntryLine,
  GroupEntrySchema,
  parseGroupLine,
  readSection,
} from '../accounts/index.js';
import { attribute, defineResource, NoArgs, NoOptions, predicate, readParts, type FactQuery } from '../resource.js';

export const GroupFactSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({ exists: z.literal(true), entry: GroupEntrySchema }),
]);
export type GroupFact = z.infer<typeof GroupFactSchema>;

function groupQuery(name: string): FactQuery<GroupFact> {
  return accountLookupQuery('group', name, (frame) => parseGroupFact(frame, name));
}

/** `getent group -- NAME` (exit 2: no such group), or the whole table where the name looks like a gid. */
export function parseGroupFact(frame: Frame, name: string): GroupFact {
  const what = `looking up group ${name}`;
  const section = readSection(readParts(frame, what), 'group', what);
  const found = findEntryLine(section, name, section.stderr, what);
  if ('absent' in found) return { exists: false, reason: `group ${name} does not exist (${found.absent})` };
  return { exists: true, entry: parseGroupLine(found.line, what) };
}

export const groupResource = defineResource({
  type: 'group',
  dslName: 'group',
  summary: 'A local or name-service group: existence, gid and the members it lists.',
  subject: AccountNameSchema,
  options: NoOptions,
  title: (name: string) => `group ${name}`,
  facts: {
    entry: (name: string) => groupQuery(name),
  },
  matchers: {
    exists: predicate<GroupFact, Record<string, never>>({
      fact: 'entry',
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) =>
        fact.exists
          ? { pass: true, actual: `it exists (gid ${fact.entry.gid})` }
          : { pass: false, actual: fact.reason },
    }),
    gid: attribute<GroupFact, number | ValueExpectation>({
      fact: 'entry',
      describe: 'have gid',
      read: (fact) => (fact.exists ? fact.entry.gid : { absent: fact.reason }),
    }),
    /** Only the members the group lists; users whose primary group this is are not listed. */
    members: attribute<GroupFact, ValueExpectation>({
      fact: 'entry',
      describe: 'list members',
      read: (fact) => (fact.exists ? fact.entry.members : { absent: fact.reason }),
    }),
  },
});
