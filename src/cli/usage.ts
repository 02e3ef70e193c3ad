import { CommanderError } from 'commander';
import {
  parseReporterOption,
  ReporterOptionError,
  validateReporterRequests,
  type ReporterRequest,
} from '../../reporters/output.js';
import { IgnoreGlobError, normalisePathGlob } from '../drift/path-glob.js';
import { EXIT } from '../gate/exit-codes.js';

// Wrong usage found after commander has parsed the command line: exit 64 with the message, as
// commander's own errors.

export function usageError(message: string): CommanderError {
  return new CommanderError(EXIT.usage, 'driftspec.usage', message);
}

/**
 * `--reporter` values, or the `--format` report to stdout when none is given — except the `cli`
 * one with `--quiet`; checked before any host is touched.
 */
export function reporterRequests(
  flags: { reporter?: string[]; format: string; quiet?: boolean },
  known: readonly string[],
): ReporterRequest[] {
  if (!flags.reporter) return flags.quiet && flags.format === 'cli' ? [] : [{ name: flags.format }];
  try {
    const requests = flags.reporter.map((text) => parseReporterOption(text, known));
    validateReporterRequests(requests);
    return requests;
  } catch (error) {
    if (error instanceof ReporterOptionError) throw usageError(error.message);
    throw error;
  }
}

/** A path glob given with `option` (`--files`, `--ignore`), normalised. */
export function checkedPathGlob(glob: string, option: string): string {
  try {
    return normalisePathGlob(glob);
  } catch (error) {
    if (error instanceof IgnoreGlobError) throw usageError(`${option}: ${error.message}`);
    throw error;
  }
}
