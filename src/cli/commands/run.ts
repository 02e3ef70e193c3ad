import type { Command } from 'commander';
import { addConnectionOptions } from '../connection-options.js';
import { addFleetOptions } from '../fleet-options.js';
import type { RunFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { collectTarget, parseCount } from '../options.js';
import { addPlanningOptions } from '../planning-options.js';
import { addReportOptions, POLICY_HELP } from '../report-options.js';

/** `driftspec run [specs…]`. */
export function register(program: Command, io: CliIo): void {
  const run = program
    .command('run')
    .description('check specs against targets (default: the bundled Debian web-server spec on the local machine)')
    .argument('[specs...]', 'spec files (.yaml, .yml, .json, .ts, .mts, .js, .mjs), folders of specs or quoted globs')
    .option(
      '-t, --target <target>',
      'where to check: "local" (default), ssh://[user@]host[:port] or rootfs:/path (an image root; repeatable)',
      collectTarget,
    );
  addConnectionOptions(run);
  addFleetOptions(run, { done: 'checked', named: '--target' });
  addReportOptions(run, POLICY_HELP).option(
    '--image-id <id>',
    'the image these hosts were booted from, recorded in the JUnit report',
  );
  addPlanningOptions(run)
    .option(
      '--shard <K/N>',
      'check only shard K of N (1-based) of the selected hosts, a stable split by host; join the shards ' +
        'with "driftspec merge" (docs/scale.md)',
    )
    .option(
      '--shard-count <n>',
      'the number of shards, the shard taken from --shard-index or $JOB_COMPLETION_INDEX (0-based, as a ' +
        'Kubernetes Indexed Job sets it)',
      parseCount,
    )
    .option('--shard-index <i>', 'with --shard-count: this shard, 0-based (default: $JOB_COMPLETION_INDEX)')
    .option('--timings', 'print when each phase of the run ended (ms since the process started) to stderr')
    .exitOverride()
    .action(async (specs: string[], options: RunFlags) => {
      const { runCommand } = await import('./run-action.js');
      io.exitCode = await runCommand(specs, options, io);
    });
}
