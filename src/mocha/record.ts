import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ControlSchema, SpecInfoSchema } from '../plan/schema.js';
import { HostInventorySchema, HostResultSchema, WaiverSchema } from '../results/schema.js';

/**
 * What the tests tell the reporter, one JSON line each, in a folder the reporter names in this
 * environment variable: mocha's `--parallel` workers inherit it, so every worker's records reach
 * the one reporter in the main process.
 */
export const RECORDS_ENV = 'DRIFTSPEC_MOCHA_RECORDS';

/** Where a record was made: the mocha test in progress, or none (a hook). */
const TestPlaceSchema = z.object({ title: z.string(), file: z.string().optional() }).strict();

/** One host's probe before the tests: how many execs it cost and, when it gave no facts, why. */
const ProbeRecordSchema = z
  .object({
    kind: z.literal('probe'),
    target: z.string(),
    execCount: z.number().int(),
    status: z.enum(['completed', 'unreachable', 'error']),
    reason: z.string().optional(),
    inventory: HostInventorySchema.optional(),
  })
  .strict();

/** One awaited assertion: its spec and controls, and its checks' results on one host. */
const AssertionRecordSchema = z
  .object({
    kind: z.literal('assertion'),
    test: TestPlaceSchema.nullable(),
    spec: SpecInfoSchema,
    controls: z.array(ControlSchema),
    result: HostResultSchema,
    inventory: HostInventorySchema.optional(),
    /** The waiver of the assertion's control, as it stood when the assertion ran. */
    waivers: z.array(WaiverSchema.extend({ control: z.string(), expired: z.boolean() }).strict()).optional(),
  })
  .strict();

export const MochaRecordSchema = z.discriminatedUnion('kind', [ProbeRecordSchema, AssertionRecordSchema]);
export type MochaRecord = z.infer<typeof MochaRecordSchema>;
export type AssertionRecord = z.infer<typeof AssertionRecordSchema>;
export type TestPlace = z.infer<typeof TestPlaceSchema>;

/** Hands a record to the reporter, when one listens (RECORDS_ENV is set); without one, records go nowhere. */
export function writeRecord(record: MochaRecord, env: NodeJS.ProcessEnv = process.env): void {
  const folder = env[RECORDS_ENV];
  if (!folder) return;
  // One file per process: a worker's lines never interleave with another's.
  appendFileSync(join(folder, `${process.pid}.jsonl`), `${JSON.stringify(record)}\n`);
}

/** Reads the records of one file; a line that is not a record is driftspec's own error. */
export function parseRecords(text: string, file: string): MochaRecord[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, index) => {
      const parsed = MochaRecordSchema.safeParse(JSON.parse(line));
      if (!parsed.success)
        throw new Error(`${file}:${index + 1}: not a driftspec mocha record: ${parsed.error.message}`);
      return parsed.data;
    });
}
