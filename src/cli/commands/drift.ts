import { Option, type Command } from 'commander';
import { DRIFT_FORMAT_NAMES } from '../../../reporters/formats.js';
import { addConnectionOptions } from '../connection-options.js';
import { addFleetOptions } from '../fleet-options.js';
import type { DriftFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { collect } from '../options.js';

/** `driftspec drift`. */
export function register(program: Command, io: CliIo): void {
  const command = program
    .command('drift')
    .description(
      'report drift: compare targets (snapshotted now) or snapshot files with a baseline snapshot; the exit code is ' +
        'a bitmask (docs/drift.md)',
    )
    .argument(
      '[inputs...]',
      'with --baseline: targets ("local", ssh://[user@]host[:port], rootfs:/path) or snapshot files; ' +
        'without: the baseline snapshot file, then the targets or snapshots to compare with it',
    )
    .option('-b, --baseline <file>', 'the baseline snapshot (written by "driftspec snapshot")')
    .option('--ignore-file <file>', 'YAML rules for differences that are noise (docs/drift.md)')
    .option(
      '--accept-file <file>',
      'YAML list of accepted drift, each with reason, owner and expiry date (docs/drift.md)',
    )
    .option('--policy <file>', 'gate policy (YAML) whose `drift:` section decides which drift blocks (docs/drift.md)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['cli', 'json']).default('cli'))
    .option(
      '-r, --reporter <name[:path]>',
      `a report: ${DRIFT_FORMAT_NAMES.join(', ')}; to stdout without a path (repeatable; default: --format to stdout)`,
      collect,
    );
  addFleetOptions(addConnectionOptions(command), { done: 'snapshotted', named: 'the targets given as arguments' })
    .exitOverride()
    .action(async (inputs: string[], flags: DriftFlags) => {
      const { driftCommand } = await import('./drift-action.js');
      io.exitCode = await driftCommand(inputs, flags, io);
    });
}
