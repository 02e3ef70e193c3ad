import { z } from 'zod';
import { readInputFile } from '../inputs/read.js';
import { parseYamlInput } from '../inputs/yaml-input.js';
import { ControlIdSchema, type Plan } from '../plan/schema.js';
import type { Waiver, WaiverOutcome } from '../results/schema.js';

/** `2027-01-31`, a real day; YAML may hand it over as text or (unquoted, in YAML 1.1 style) as a date. */
const DaySchema = z
  .union([z.string(), z.date().transform((date) => date.toISOString().slice(0, 10))])
  .refine(isDay, 'expected a date as YYYY-MM-DD');

const WaiverEntrySchema = z
  .object({
    justification: z.string().trim().min(1, 'a waiver needs a justification'),
    expires: DaySchema.optional(),
    run: z.boolean().default(true),
  })
  .strict();

/** A waivers file: control id → justification, expiry, whether it still runs. */
export const WaiversFileSchema = z.record(ControlIdSchema, WaiverEntrySchema);

export interface WaiversFile {
  source: string;
  waivers: Map<string, Waiver>;
  /** `file:line` of each control id, for warnings. */
  lineOf: (control: string) => string;
}

/** Every waiver of the file, what became of it, and the warnings for the report. */
export interface WaiverBook {
  /** Waivers of controls in the plan, expired or not. */
  byControl: Map<string, Waiver & { expired: boolean }>;
  outcomes: WaiverOutcome[];
  warnings: string[];
}

/** What tells the day a waiver is judged on (`Date`, or a test's fake clock). */
export interface WaiverClock {
  now(): number;
}

export function loadWaiversFile(path: string, cwd: string = process.cwd()): WaiversFile {
  return parseWaiversFile(readInputFile(path, 'waivers', cwd), path);
}

export function parseWaiversFile(text: string, source: string): WaiversFile {
  const { value, where } = parseYamlInput(text, source, WaiversFileSchema, {
    shape: 'a waivers file must be a map of control ids to { justification, expires, run }',
    expectedKeys: () => ['justification', 'expires', 'run'],
  });
  const waivers = new Map<string, Waiver>(
    Object.entries(value).map(([id, entry]) => [
      id,
      { justification: entry.justification, ...(entry.expires ? { expires: entry.expires } : {}), run: entry.run },
    ]),
  );
  return { source, waivers, lineOf: (control) => where.at([control]) ?? source };
}

/**
 * Sorts the file's waivers against the plan on the clock's day: a waiver applies up to and including its
 * `expires` day (UTC); after that it is expired and the control is judged as usual. A waiver for a
 * control no spec defines is a warning, one for a control the filters left out is only recorded.
 */
export function resolveWaivers(
  file: WaiversFile,
  plan: Plan,
  clock: WaiverClock,
  filteredOut: ReadonlySet<string> = new Set(),
): WaiverBook {
  const known = new Set(plan.controls.map((c) => c.id));
  const book: WaiverBook = { byControl: new Map(), outcomes: [], warnings: [] };
  const day = waiverDay(clock);
  for (const [control, waiver] of file.waivers) {
    if (filteredOut.has(control)) {
      book.outcomes.push({ control, ...waiver, state: 'filtered-out' });
    } else if (!known.has(control)) {
      book.outcomes.push({ control, ...waiver, state: 'unknown-control' });
      book.warnings.push(`${file.lineOf(control)}: waiver for unknown control "${control}" (no spec defines it)`);
    } else {
      const { expired } = waiverOnDay(waiver, day);
      book.byControl.set(control, { ...waiver, expired });
      book.outcomes.push({ control, ...waiver, state: expired ? 'expired' : 'applied' });
      if (expired)
        book.warnings.push(
          `${file.lineOf(control)}: the waiver of control "${control}" expired on ${waiver.expires}; ` +
            'the control is judged as usual',
        );
    }
  }
  return book;
}

/** A waiver as it stands on a day (YYYY-MM-DD, UTC): it applies up to and including its `expires` day. */
export function waiverOnDay(waiver: Waiver, day: string): Waiver & { expired: boolean } {
  return { ...waiver, expired: waiver.expires !== undefined && waiver.expires < day };
}

/** The day a clock says it is, as waivers are judged: YYYY-MM-DD in UTC. */
export function waiverDay(clock: WaiverClock): string {
  return new Date(clock.now()).toISOString().slice(0, 10);
}

/** A book of the given waivers alone, with no outcomes or warnings: one control's waiver, judged apart. */
export function waiverBookOf(waivers: ReadonlyMap<string, Waiver & { expired: boolean }>): WaiverBook {
  return { byControl: new Map(waivers), outcomes: [], warnings: [] };
}

/** The plan with the checks of every control waived with `run: false` skipped (and so never probed). */
export function skipWaivedChecks(plan: Plan, book: WaiverBook): Plan {
  const notRun = new Map([...book.byControl].filter(([, w]) => !w.expired && !w.run));
  if (notRun.size === 0) return plan;
  return {
    ...plan,
    checks: plan.checks.map((check) => {
      const waiver = check.control === null ? undefined : notRun.get(check.control);
      if (!waiver || check.skip !== undefined) return check;
      return { ...check, skip: `waived: ${waiver.justification}` };
    }),
  };
}

function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}
