import type { Command } from 'commander';
import type { MergeFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { addReportOptions } from '../report-options.js';

/** `driftspec merge <results…>`. */
export function register(program: Command, io: CliIo): void {
  const merge = program
    .command('merge')
    .description('join the JSON results of every shard of a sweep (run --shard) into the reports of one run')
    .argument('<results...>', "each shard's JSON result (driftspec run --shard K/N --reporter json:FILE)");
  addReportOptions(merge, 'the gate policy the shards ran with (refused when it differs)')
    .option('--image-id <id>', 'the image these hosts were booted from, recorded in the JUnit report')
    .option('-q, --quiet', 'only errors on stderr; no cli report on stdout unless --reporter asks for one', false)
    .exitOverride()
    .action(async (results: string[], options: MergeFlags) => {
      const { mergeCommand } = await import('./merge-action.js');
      io.exitCode = await mergeCommand(results, options, io);
    });
}
