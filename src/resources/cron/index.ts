import { z } from 'zod';
import { attribute, defineResource, FactError, NoArgs, NoOptions, predicate, type FactQuery } from '../resource.js';
import type { CronEntry } from './crontab.js';
import { CRON_D, CRON_SCRIPT, PERIODIC_DIRECTORIES, SYSTEM_CRONTAB, USER_SPOOL } from './query.js';
import { allEntries, parseCronTables, periodicEntries, type CronTables } from './tables.js';

export { CRON_SCRIPT } from './query.js';
export { parseCrontab, type CronEntry } from './crontab.js';
export { allEntries, parseCronTables, type CronTables } from './tables.js';

const ALL = '*';
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;

function isCronPath(subject: string): boolean {
  const [directory, name] = [subject.slice(0, subject.lastIndexOf('/')), subject.slice(subject.lastIndexOf('/') + 1)];
  return (
    subject === SYSTEM_CRONTAB ||
    PERIODIC_DIRECTORIES.includes(subject) ||
    ((directory === CRON_D || directory === USER_SPOOL) && USER_NAME.test(name))
  );
}

const CronSubjectSchema = z
  .string()
  .refine(
    (subject) => subject === ALL || USER_NAME.test(subject) || isCronPath(subject),
    `"*" (every entry), a user name (that user's crontab), ${SYSTEM_CRONTAB}, ${CRON_D}/NAME, ` +
      `${USER_SPOOL}/USER or one of ${PERIODIC_DIRECTORIES.join(', ')}`,
  );

export interface CronFact {
  subject: string;
  tables: CronTables;
}

/** A crontab as one subject sees it: whether it exists, and its entries. */
interface Crontab {
  exists: boolean;
  entries: CronEntry[];
  /** Said in results: "/etc/crontab", "the crontab of alice". */
  name: string;
}

function crontabOf({ subject, tables }: CronFact): Crontab {
  if (subject === ALL) return { exists: true, entries: allEntries(tables), name: 'the crontabs' };
  if (PERIODIC_DIRECTORIES.includes(subject))
    return { exists: tables.periodic.has(subject), entries: periodicEntries(tables, subject), name: subject };
  const path = subject.startsWith('/') ? subject : `${USER_SPOOL}/${subject}`;
  if (path.startsWith(`${USER_SPOOL}/`) && tables.spoolUnknown) throw new FactError(tables.spoolUnknown);
  const file = tables.files.find((f) => f.path === path);
  const name = subject.startsWith('/') ? subject : `the crontab of ${subject}`;
  return { exists: file !== undefined, entries: file?.entries ?? [], name };
}

export function entryText(entry: CronEntry): string {
  return `${entry.schedule} ${entry.user} ${entry.command}`;
}

const HasEntryArgs = z
  .object({
    schedule: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    command: z.string().min(1),
  })
  .strict();
export type HasEntryArgs = z.infer<typeof HasEntryArgs>;

function sameSchedule(written: string, expected: string): boolean {
  return written === expected.trim().split(/\s+/).join(' ').toLowerCase();
}

function describeEntry(args: HasEntryArgs): string {
  const parts = [args.schedule && `schedule "${args.schedule}"`, args.user && `user ${args.user}`];
  const extra = parts.filter(Boolean).join(', ');
  return `have an entry running ${JSON.stringify(args.command)}${extra ? ` (${extra})` : ''}`;
}

function cronQuery(): FactQuery<CronTables> {
  return { key: 'cron', script: CRON_SCRIPT, parse: (frame) => parseCronTables(frame) };
}

export const cronResource = defineResource({
  type: 'cron',
  summary:
    'cron jobs: /etc/crontab, /etc/cron.d, user crontabs and the /etc/cron.{hourly,daily,weekly,monthly} scripts.',
  subject: CronSubjectSchema,
  options: NoOptions,
  title: (subject: string) => (subject === ALL ? 'cron (every crontab)' : `cron ${subject}`),
  facts: {
    tables: (subject: string) => ({
      ...cronQuery(),
      parse: (frame): CronFact => ({ subject, tables: parseCronTables(frame) }),
    }),
  },
  matchers: {
    exists: predicate<CronFact, Record<string, never>>({
      fact: 'tables',
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) => {
        const crontab = crontabOf(fact);
        return {
          pass: crontab.exists,
          actual: crontab.exists ? `${crontab.name} exists` : `there is no ${crontab.name}`,
        };
      },
    }),
    hasEntry: predicate<CronFact, HasEntryArgs>({
      fact: 'tables',
      args: HasEntryArgs,
      describe: describeEntry,
      test: (fact, args) => {
        const crontab = crontabOf(fact);
        if (!crontab.exists) return { pass: false, actual: `there is no ${crontab.name}` };
        const found = crontab.entries.find(
          (entry) =>
            entry.command === args.command.trim() &&
            (args.user === undefined || entry.user === args.user) &&
            (args.schedule === undefined || sameSchedule(entry.schedule, args.schedule)),
        );
        if (found) return { pass: true, actual: `${found.source} line ${found.line} is "${entryText(found)}"` };
        const sameCommand = crontab.entries.filter((entry) => entry.command === args.command.trim());
        const said = sameCommand.map((entry) => `"${entryText(entry)}" (${entry.source})`).join(', ');
        return {
          pass: false,
          actual: said ? `its entries for that command are ${said}` : `${crontab.name} has no entry running it`,
        };
      },
    }),
    entries: attribute<CronFact>({
      fact: 'tables',
      describe: 'have entries',
      read: (fact) => {
        const crontab = crontabOf(fact);
        return crontab.exists ? crontab.entries.map(entryText) : { absent: `there is no ${crontab.name}` };
      },
    }),
  },
});
