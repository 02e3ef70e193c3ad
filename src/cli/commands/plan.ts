import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/** `driftspec plan <specs…>`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('plan')
    .description('print the plan (checks as plain data) that specs compile to, without touching any machine')
    .argument('<specs...>', 'spec files, folders of specs or quoted globs')
    .exitOverride()
    .action(async (specs: string[]) => {
      const { planCommand } = await import('./plan-action.js');
      io.exitCode = await planCommand(specs, io);
    });
}
