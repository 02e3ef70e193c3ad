// The mocha reporter of driftspec/mocha/reporter (docs/mocha.md): driftspec's reports and gate for
// the assertions a mocha run made, so that mocha exits as `driftspec run` would.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRunRenderers } from '../../reporters/formats.js';
import { writeReports, writeToStream, type ReporterRequest } from '../../reporters/output.js';
import { EXIT } from '../gate/exit-codes.js';
import { isSpecError } from '../inputs/input-error.js';
import { OutputFileError } from '../io/atomic-write.js';
import { loadGatePolicy } from '../gate/policy.js';
import { decideVerdict } from '../gate/verdict.js';
import { timestamp } from '../results/schema.js';
import { printable } from '../text/printable.js';
import { toolVersion } from '../version.js';
import { parseRecords, RECORDS_ENV, type MochaRecord } from './record.js';
import { parseReporterOptions, REPORT_FILE_FORMATS, type MochaReporterOptions } from './reporter-options.js';
import { assembleRunResult, failureJudgedByDriftspec } from './run-result.js';

/** The part of mocha's runner the reporter listens to. */
export interface RunnerLike {
  on(event: 'fail', listener: (test: TestLike, error: unknown) => void): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

interface TestLike {
  fullTitle(): string;
  file?: string;
}

interface ReporterConstructor {
  new (runner: RunnerLike, options: Record<string, unknown>): unknown;
}

/**
 * A mocha reporter (`--reporter driftspec/mocha/reporter`): collects every driftspec assertion's
 * result, writes driftspec's JUnit, JSON, HTML and Markdown reports and applies the gate policy,
 * and ends mocha with the gate's exit code. Tests that made no failing driftspec assertion but
 * failed (a plain assertion, a hook) still fail the run, with exit 1 where the gate passed.
 */
export class DriftspecMochaReporter {
  private readonly options: MochaReporterOptions;
  private readonly records: string;
  private readonly startedAt = timestamp();
  private readonly failures: { title: string; file?: string; error: unknown }[] = [];

  constructor(runner: RunnerLike, mochaOptions: { reporterOption?: unknown; reporterOptions?: unknown } = {}) {
    this.options = parseReporterOptions(mochaOptions.reporterOption ?? mochaOptions.reporterOptions);
    this.records = mkdtempSync(join(tmpdir(), 'driftspec-mocha-'));
    process.env[RECORDS_ENV] = this.records;
    runner.on('fail', (test: TestLike, error: unknown) => {
      this.failures.push({ title: test.fullTitle(), ...(test.file ? { file: test.file } : {}), error });
    });
    const beside = this.options.console;
    if (beside !== 'cli' && beside !== 'none') new (mochaReporter(beside))(runner, mochaOptions);
  }

  /** Called by mocha when the run ended; `exit` ends mocha with the exit code given. */
  done(_failures: number, exit: (code: number) => void): void {
    this.finish().then(exit, (error: unknown) => {
      process.stderr.write(`driftspec mocha reporter: ${error instanceof Error ? error.message : String(error)}\n`);
      exit(exitCodeOf(error));
    });
  }

  private async finish(): Promise<number> {
    const records = this.readRecords();
    const result = assembleRunResult(records, {
      toolVersion: toolVersion(),
      startedAt: this.startedAt,
      finishedAt: timestamp(),
    });
    const policy = this.options.policy === undefined ? undefined : loadGatePolicy(this.options.policy);
    const verdict = decideVerdict(result, policy);
    const reported = { ...result, verdict };
    const requests: ReporterRequest[] = REPORT_FILE_FORMATS.flatMap((name) => {
      const path = this.options[name];
      return path === undefined ? [] : [{ name, path }];
    });
    if (this.options.console === 'cli') requests.push({ name: 'cli' });
    const renderers = await loadRunRenderers(
      requests.map((request) => request.name),
      {
        stdout: process.stdout,
        env: process.env,
        verbose: this.options.verbose === 'true',
        ...(this.options.imageId === undefined ? {} : { imageId: this.options.imageId }),
      },
    );
    await writeReports(requests, renderers, reported, verdict, process.stdout);
    const others = this.failures.filter((failure) => !failureJudgedByDriftspec(records, failure));
    if (this.options.console === 'cli' && others.length > 0) await writeToStream(process.stdout, [describe(others)]);
    if (verdict.exitCode !== EXIT.passed) return verdict.exitCode;
    return others.length > 0 ? EXIT.failed : EXIT.passed;
  }

  private readRecords(): MochaRecord[] {
    try {
      return readdirSync(this.records)
        .sort()
        .flatMap((name) => parseRecords(readFileSync(join(this.records, name), 'utf8'), name));
    } finally {
      rmSync(this.records, { recursive: true, force: true });
      delete process.env[RECORDS_ENV];
    }
  }
}

export default DriftspecMochaReporter;

/** As the CLI ends on the same errors: a bad input file 78, a report not written 73, anything else 70. */
function exitCodeOf(error: unknown): number {
  if (isSpecError(error)) return EXIT.config;
  if (error instanceof OutputFileError) return EXIT.output;
  return EXIT.internal;
}

function mochaReporter(name: string): ReporterConstructor {
  // mocha is the process running this reporter: its own reporters come from the copy it resolves.
  const mocha = createRequire(import.meta.url)('mocha') as { reporters: Record<string, ReporterConstructor> };
  const reporter = Object.hasOwn(mocha.reporters, name) ? mocha.reporters[name] : undefined;
  if (!reporter)
    throw new Error(
      `driftspec mocha reporter: --reporter-option console=${name}: expected cli, none or one of mocha's reporters: ` +
        Object.keys(mocha.reporters).join(', '),
    );
  return reporter;
}

function describe(failures: readonly { title: string; error: unknown }[]): string {
  const lines = [
    `\n${failures.length} mocha test${failures.length === 1 ? '' : 's'} failed outside driftspec's checks:`,
  ];
  for (const failure of failures) {
    const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
    lines.push(`  ${printable(failure.title)}`, `    ${printable(message.split('\n')[0] ?? '')}`);
  }
  return `${lines.join('\n')}\n`;
}
