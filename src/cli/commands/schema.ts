import type { Command } from 'commander';
import { SCHEMA_NAMES } from '../command-names.js';
import type { CliIo } from '../io.js';

/** `driftspec schema <name>`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description(`print a JSON Schema: ${SCHEMA_NAMES.join(', ')}`)
    .argument('<name>', `one of: ${SCHEMA_NAMES.join(', ')}`)
    .exitOverride()
    .action(async (name: string) => {
      const { schemaCommand } = await import('./schema-action.js');
      io.exitCode = schemaCommand(name, io);
    });
}
