import { Option, type Command } from 'commander';
import { REPORT_FORMAT_NAMES } from '../../../reporters/formats.js';
import { addConnectionOptions } from '../connection-options.js';
import { addFleetOptions } from '../fleet-options.js';
import type { RunFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { collect, collectCommaList, collectTarget, parseCount } from '../options.js';

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
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices(['cli', 'json']).default('cli'))
    .option('-v, --verbose', 'list every check, not only failures and errors', false);
  addConnectionOptions(run);
  addFleetOptions(run, { done: 'checked', named: '--target' })
    .option(
      '-r, --reporter <name[:path]>',
      `a report: ${REPORT_FORMAT_NAMES.join(', ')}; to stdout without a path (repeatable; default: --format to stdout)`,
      collect,
    )
    .option('--policy <file>', 'gate policy (YAML) that decides what blocks promotion; see docs/reports.md')
    .option('--image-id <id>', 'the image these hosts were booted from, recorded in the JUnit report')
    .option('--input <name=value>', "set a spec's input (repeatable; overrides everything else)", collect)
    .option('--input-file <file>', 'input values (YAML map); overridden by inventory vars and --input')
    .option('--waivers <file>', 'waivers (YAML): control id → justification, expires, run; see docs/controls.md')
    .option(
      '--controls <ids>',
      'check only these controls (comma-separated ids or globs; repeatable)',
      collectCommaList,
    )
    .option(
      '--tags <tags>',
      'check only controls with one of these tags (key or key:value, globs ok)',
      collectCommaList,
    )
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
