import { Option, type Command } from 'commander';
import { REPORT_FORMAT_NAMES } from '../../reporters/formats.js';
import { collect } from './options.js';

/**
 * The options that say which reports a command writes and which gate policy judges its results: the
 * same for every command that ends in a run result (run, merge, verify-packages).
 */
export function addReportOptions(command: Command, policyHelp: string): Command {
  return command
    .addOption(new Option('-f, --format <format>', 'output format').choices(['cli', 'json']).default('cli'))
    .option('-v, --verbose', 'list every check, not only failures and errors', false)
    .option(
      '-r, --reporter <name[:path]>',
      `a report: ${REPORT_FORMAT_NAMES.join(', ')}; to stdout without a path (repeatable; default: --format to stdout)`,
      collect,
    )
    .option('--policy <file>', policyHelp);
}

export const POLICY_HELP = 'gate policy (YAML) that decides what blocks promotion; see docs/reports.md';
