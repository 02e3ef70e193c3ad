import type { Command } from 'commander';
import type { InitFlags } from '../flags.js';
import type { CliIo } from '../io.js';

/** `driftspec init [dir]`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('scaffold specs, a mocha test and npm scripts that pass on this machine (refuses to overwrite)')
    .argument('[dir]', 'the project folder to write into (default: the current folder)', '.')
    .option('--force', 'overwrite files and npm scripts of the same names', false)
    .option('--yaml-only', 'no TypeScript spec and no specs/tsconfig.json', false)
    .exitOverride()
    .action(async (dir: string, options: InitFlags) => {
      const { initCommand } = await import('./init-action.js');
      io.exitCode = await initCommand(dir, options, io);
    });
}
