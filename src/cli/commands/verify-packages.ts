import type { Command } from 'commander';
import { addConnectionOptions } from '../connection-options.js';
import { addFleetOptions } from '../fleet-options.js';
import type { VerifyPackagesFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { collect } from '../options.js';
import { addReportOptions, POLICY_HELP } from '../report-options.js';

/** `driftspec verify-packages [targets…]`. */
export function register(program: Command, io: CliIo): void {
  const command = program
    .command('verify-packages')
    .description(
      "check the installed packages' files against the package manager's own records (dpkg --verify and md5sums, " +
        'rpm -Va, apk audit), no baseline needed; conffiles changed by the admin are listed apart',
    )
    .argument('[targets...]', '"local" (default), ssh://[user@]host[:port] or rootfs:/path (an image root)')
    .option('--under <path>', 'only package files under this path (repeatable, one check each; default: /)', collect)
    .option('--conffiles', 'also fail on conffiles that differ (by default they are listed, not judged)', false);
  addReportOptions(command, POLICY_HELP);
  addFleetOptions(addConnectionOptions(command), { done: 'verified', named: 'the targets given as arguments' })
    .exitOverride()
    .action(async (targets: string[], flags: VerifyPackagesFlags) => {
      const { verifyPackagesCommand } = await import('./verify-packages-action.js');
      io.exitCode = await verifyPackagesCommand(targets, flags, io);
    });
}
