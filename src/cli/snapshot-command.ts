import type { Command } from 'commander';
import { DEFAULT_FILE_ROOTS } from '../drift/snapshot-defaults.js';
import { addConnectionOptions, type ConnectionFlags } from './connection-options.js';
import { collect, type CliIo } from './main.js';

export interface SnapshotFlags extends ConnectionFlags {
  /** A file, or "-" / absent for stdout. */
  output?: string;
  files?: string[];
  ignore?: string[];
  /** False with --no-default-ignores. */
  defaultIgnores: boolean;
  allowIncomplete?: boolean;
}

export function registerSnapshotCommand(program: Command, io: CliIo): void {
  addConnectionOptions(
    program
      .command('snapshot')
      .description('record the whole state of one target (packages, services, listeners, accounts, kernel parameters, mounts, file trees) in one probe, as a baseline for drift')
      .argument('<target>', '"local" or ssh://[user@]host[:port]')
      .option('-o, --output <file>', 'where to write the snapshot (JSON; default or "-": stdout)')
      .option('--files <path>', `a file tree to record (repeatable; default: ${DEFAULT_FILE_ROOTS.join(' ')})`, collect)
      .option('--ignore <glob>', 'leave out paths (and mount points) that match; "*" also matches "/" (repeatable)', collect)
      .option('--no-default-ignores', 'record the volatile paths, mounts and kernel parameters that are left out by default')
      .option('--allow-incomplete', 'exit 0 even when parts of the state could not be read (they are listed in "gaps")'),
  )
    .exitOverride()
    .action(async (target: string, options: SnapshotFlags) => {
      // The snapshot code loads only when the command runs.
      const { snapshotCommand } = await import('../drift/snapshot-cli.js');
      io.exitCode = await snapshotCommand(target, options, io);
    });
}
