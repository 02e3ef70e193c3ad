import type { Command } from 'commander';
import { DEFAULT_FILE_ROOTS } from '../../drift/snapshot-defaults.js';
import { DEFAULT_CONTENT_LIMIT, DEFAULT_CONTENT_TREES } from '../../resources/file/content-defaults.js';
import { addConnectionOptions } from '../connection-options.js';
import type { SnapshotFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { collect } from '../options.js';

/** `driftspec snapshot <target>`. */
export function register(program: Command, io: CliIo): void {
  addConnectionOptions(
    program
      .command('snapshot')
      .description(
        'record the whole state of one target (packages, services, listeners, accounts, kernel parameters, mounts, ' +
          'interfaces, routes, file trees) in one probe, as a baseline for drift',
      )
      .argument('<target>', '"local", ssh://[user@]host[:port] or rootfs:/path (an image root)')
      .option('-o, --output <file>', 'where to write the snapshot (JSON; default or "-": stdout)')
      .option('--files <path>', `a file tree to record (repeatable; default: ${DEFAULT_FILE_ROOTS.join(' ')})`, collect)
      .option(
        '--ignore <glob>',
        'leave out paths (and mount points) that match; "*" also matches "/" (repeatable)',
        collect,
      )
      .option(
        '--content-trees <path>',
        'keep the text of small text files under this tree, for content diffs ' +
          `(repeatable; default: ${DEFAULT_CONTENT_TREES.join(' ')})`,
        collect,
      )
      .option(
        '--content-limit <bytes>',
        `largest file whose text is kept (default: ${DEFAULT_CONTENT_LIMIT}; 0 keeps no text)`,
      )
      .option(
        '--content-secret <glob>',
        'never keep the text of paths that match, on top of the default secret list (repeatable)',
        collect,
      )
      .option(
        '--no-default-ignores',
        'record the volatile paths, mounts and kernel parameters that are left out by default',
      )
      .option('--allow-incomplete', 'exit 0 even when parts of the state could not be read (they are listed in "gaps")')
      .option(
        '-q, --quiet',
        'only errors on stderr: no summary line (the gaps still, when they fail the snapshot)',
        false,
      ),
  )
    .exitOverride()
    .action(async (target: string, options: SnapshotFlags) => {
      const { snapshotCommand } = await import('./snapshot-action.js');
      io.exitCode = await snapshotCommand(target, options, io);
    });
}
