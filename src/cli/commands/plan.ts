import type { Command } from 'commander';
import type { PlanningFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { addPlanningOptions } from '../planning-options.js';

/** `driftspec plan <specs…>`. */
export function register(program: Command, io: CliIo): void {
  const plan = program
    .command('plan')
    .description('print the plan (checks as plain data) that specs compile to, without touching any machine')
    .argument('<specs...>', 'spec files, folders of specs or quoted globs, profile folders or installed profiles');
  addPlanningOptions(plan)
    .exitOverride()
    .action(async (specs: string[], flags: PlanningFlags) => {
      const { planCommand } = await import('./plan-action.js');
      io.exitCode = await planCommand(specs, flags, io);
    });
}
