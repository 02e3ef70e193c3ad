import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { DriftReportSchema, type DriftReport } from '../drift/diff-schema.js';
import { SpecError } from '../inputs/input-error.js';
import { parseJsonInput } from '../inputs/json-input.js';
import type { InputKindName } from '../inputs/kinds.js';
import { readInputFile } from '../inputs/read.js';
import { formatZodIssues } from '../inputs/zod-issues.js';
import { RunResultSchema, type RunResult } from '../results/schema.js';
import { GoldenRecordSchema, type GoldenRecord, type RecordedFile } from './golden-schema.js';

/** A run result as `driftspec run --reporter json:FILE` writes it; a SpecError (exit 78) naming the file otherwise. */
export function readRunResult(path: string, cwd: string): RunResult {
  return readJsonInput(path, cwd, 'runResult', RunResultSchema, 'a run result (driftspec run --reporter json:FILE)');
}

/** A drift report as `driftspec drift --reporter json:FILE` writes it. */
export function readDriftReport(path: string, cwd: string): DriftReport {
  return readJsonInput(
    path,
    cwd,
    'driftReport',
    DriftReportSchema,
    'a drift report (driftspec drift --reporter json:FILE)',
  );
}

/** The golden record at `path`, or undefined when there is none yet. */
export function readGoldenRecord(path: string, cwd: string): GoldenRecord | undefined {
  if (!existsSync(resolve(cwd, path))) return undefined;
  return readJsonInput(path, cwd, 'golden', GoldenRecordSchema, 'a golden record (driftspec schema golden)');
}

/** A file's path as given and the sha256 of its bytes (the file is read with its kind's checks). */
export function recordFile(path: string, cwd: string, kind: InputKindName): RecordedFile {
  return { path, sha256: sha256(readInputFile(path, kind, cwd)) };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A JSON input file of `kind` checked against `schema`; `expected` words what it should have been. */
export function readJsonInput<S extends z.ZodType>(
  path: string,
  cwd: string,
  kind: InputKindName,
  schema: S,
  expected: string,
): z.output<S> {
  const value = parseJsonInput(readInputFile(path, kind, cwd), path);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SpecError(`expected a JSON object: ${expected}`, path);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SpecError(`not ${expected}: ${formatZodIssues(parsed.error)}`, path);
  return parsed.data;
}
