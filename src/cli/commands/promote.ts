import type { Command } from 'commander';
import type { PromoteFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { collect } from '../options.js';

/** `driftspec promote`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('promote')
    .description(
      'write the golden record when a candidate image passed the gate (run result, and drift report if given), ' +
        'or refuse with the reasons: exit 1 (2 when the run or drift could not look everywhere)',
    )
    .requiredOption('--image-id <id>', 'the candidate image (an AMI id, an image name, a digest …)')
    .requiredOption('--run <file>', 'the run result: driftspec run --reporter json:FILE')
    .option('--drift <file>', 'the drift report: driftspec drift --reporter json:FILE')
    .option('--policy <file>', 'the gate policy (YAML) applied to the run and, its drift: section, to the drift')
    .requiredOption('--spec <file>', 'a spec file the run checked (repeatable; every one the run checked)', collect)
    .option('--baseline <file>', 'the baseline snapshot the drift was measured against (recorded with its sha256)')
    .requiredOption('--golden <file>', 'the golden record: read as the current one, replaced on promotion')
    .exitOverride()
    .action(async (flags: PromoteFlags) => {
      const { promoteCommand } = await import('./promote-action.js');
      io.exitCode = await promoteCommand(flags, io);
    });
}
