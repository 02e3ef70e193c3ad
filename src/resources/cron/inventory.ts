import { z } from 'zod';
import { attributesOf, listCollection, type InventoryPart } from '../inventory-part.js';
import { CRON_SCRIPT } from './query.js';
import { parseCronTables, periodicEntries } from './tables.js';

export const CronEntryItemSchema = z
  .object({
    /** The crontab file, or the cron.{hourly,…} directory of a script. */
    source: z.string().min(1),
    schedule: z.string().min(1),
    user: z.string().min(1),
    command: z.string(),
  })
  .strict();
export type CronEntryItem = z.infer<typeof CronEntryItemSchema>;

const KIND = 'cronEntries';
const identity = (item: CronEntryItem) => `${item.source} ${item.command}`;

/**
 * Every job cron runs: one item per crontab line and per periodic script, so a new cron.d file,
 * a changed schedule or a user's new job is drift. Where the user crontabs cannot be read (not
 * root) the system ones are still recorded and a gap says what is missing.
 */
export const cronInventory: InventoryPart<CronEntryItem> = {
  kind: KIND,
  noun: 'cron entry',
  absentFromOlderSnapshots: true,
  listing: {
    type: 'framed',
    id: 'snapshot-cron',
    script: CRON_SCRIPT,
    read: (frame, { ignored }) => {
      const tables = parseCronTables(frame);
      const entries = [...tables.files.flatMap((file) => file.entries), ...periodicEntries(tables)];
      const items = entries
        .map(({ source, schedule, user, command }): CronEntryItem => ({ source, schedule, user, command }))
        .filter((item) => !ignored(identity(item)));
      return { items, gaps: tables.spoolUnknown ? [{ kind: KIND, reason: tables.spoolUnknown }] : [] };
    },
  },
  collection: listCollection(
    CronEntryItemSchema,
    (item) => item.source,
    (item) => item.command,
    (item) => item.schedule,
  ),
  identity,
  attributes: attributesOf(CronEntryItemSchema, ['source', 'command']),
  unique: false,
};
