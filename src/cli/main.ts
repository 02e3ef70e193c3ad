import { Command, CommanderError } from 'commander';
import { EXIT } from '../gate/exit-codes.js';
import { isSpecError } from '../inputs/input-error.js';
import { isSpecStalledError } from '../plan/spec-stalled.js';
import { OutputFileError } from '../io/atomic-write.js';
import { toolVersion } from '../version.js';
import { COMMANDS } from './commands/index.js';
import type { CliIo } from './io.js';
import { redactCredentials } from './redact.js';

export type { CliIo } from './io.js';
// For bin/driftspec, which gets everything it calls from the bundle.
export { watchInterrupts } from './interrupt.js';

/** Parses argv, runs one command and returns the documented exit code; never exits itself. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return io.exitCode ?? EXIT.passed;
  } catch (error) {
    return exitCodeFor(error, io);
  }
}

/** The program with every command registered; each command loads its own code only when it runs. */
function buildProgram(io: CliIo): Command {
  const program = new Command('driftspec')
    .description('Check machines against specs in one probe per host, and report drift.')
    .version(toolVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(redactCredentials(s)) });
  for (const command of COMMANDS) command.register(program, io);
  return program;
}

function exitCodeFor(error: unknown, io: CliIo): number {
  const report = (text: string) => io.stderr.write(redactCredentials(text));
  if (error instanceof CommanderError) {
    const quiet = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
    if (quiet.includes(error.code)) return EXIT.passed;
    if (error.code.startsWith('driftspec.')) report(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (isSpecError(error) || isSpecStalledError(error)) {
    report(`driftspec: ${error.message}\n`);
    return isSpecError(error) ? EXIT.config : EXIT.specStalled;
  }
  if (error instanceof OutputFileError) {
    report(`driftspec: ${error.message}\n`);
    return EXIT.output;
  }
  report(`driftspec: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.internal;
}
