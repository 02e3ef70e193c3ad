import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT } from '../gate/exit-codes.js';
import { OutputFileError } from '../io/atomic-write.js';
import { isSpecError } from '../plan/build.js';
import { parseDuration } from '../plan/duration.js';
import { parseTargetAddress, type TargetAddress } from '../targets/address.js';
import { parseFingerprint } from '../targets/host-key-policy.js';
import { parseJumpList, type JumpSpec } from '../targets/jump-spec.js';
import { SudoUserSchema } from '../targets/privilege.js';
import { toolVersion } from '../version.js';
import { REPORTER_NAMES, SCHEMA_NAMES } from './command-names.js';
import { registerDriftCommand } from './drift-command.js';
import { registerSnapshotCommand } from './snapshot-command.js';
import { registerGenerateCommand } from './generate-command.js';
import { addFleetOptions, type FleetFlags } from './fleet-options.js';
import { addConnectionOptions, type ConnectionFlags } from './connection-options.js';

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

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  exitCode?: number;
}

function buildProgram(io: CliIo): Command {
  const program = new Command('driftspec')
    .description('Check machines against specs in one probe per host, and report drift.')
    .version(toolVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const run = program
    .command('run')
    .description('check specs against targets (default: the bundled Debian web-server spec on the local machine)')
    .argument('[specs...]', 'spec files: .yaml, .yml, .json, .ts, .mts, .js, .mjs')
    .option('-t, --target <target>', 'where to check: "local" (default) or ssh://[user@]host[:port] (repeatable)', collectTarget)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['cli', 'json']).default('cli'))
    .option('-v, --verbose', 'list every check, not only failures and errors', false);
  addConnectionOptions(run);
  addFleetOptions(run, { done: 'checked', named: '--target' })
    .option('--no-progress', 'no progress line on a terminal during fleet runs')
    .option('-r, --reporter <name[:path]>', `a report: ${REPORTER_NAMES.join(', ')}; to stdout without a path (repeatable; default: --format to stdout)`, collect)
    .option('--policy <file>', 'gate policy (YAML) that decides what blocks promotion; see docs/reports.md')
    .option('--image-id <id>', 'the image these hosts were booted from, recorded in the JUnit report')
    .exitOverride()
    .action(async (specs: string[], options: RunFlags) => {
      // Each command's code loads only when it runs: start-up pays for one command, not all.
      const { runCommand } = await import('./run-command.js');
      io.exitCode = await runCommand(specs, options, io);
    });

  program
    .command('plan')
    .description('print the plan (checks as plain data) that specs compile to, without touching any machine')
    .argument('<specs...>', 'spec files')
    .exitOverride()
    .action(async (specs: string[]) => {
      const { planCommand } = await import('./plan-command.js');
      io.exitCode = await planCommand(specs, io);
    });

  program
    .command('schema')
    .description(`print a JSON Schema: ${SCHEMA_NAMES.join(', ')}`)
    .argument('<name>', `one of: ${SCHEMA_NAMES.join(', ')}`)
    .exitOverride()
    .action(async (name: string) => {
      const { schemaCommand } = await import('./schema-command.js');
      io.exitCode = schemaCommand(name, io);
    });

  registerSnapshotCommand(program, io);
  registerDriftCommand(program, io);
  registerGenerateCommand(program, io);
  return program;
}

export interface RunFlags extends FleetFlags, ConnectionFlags {
  target?: TargetAddress[];
  format: 'cli' | 'json';
  verbose: boolean;
  progress: boolean;
  reporter?: string[];
  policy?: string;
  imageId?: string;
}

/** An unusable --sudo-user is a bad option value (exit 64); any other name is handed to sudo as data. */
export function parseSudoUser(value: string): string {
  const parsed = SudoUserSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A malformed --target is a bad option value (exit 64); commander prints the reason. */
function collectTarget(value: string, previous: TargetAddress[] = []): TargetAddress[] {
  try {
    return [...previous, parseTargetAddress(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function collectJumps(value: string, previous: JumpSpec[] = []): JumpSpec[] {
  try {
    return [...previous, ...parseJumpList(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function collectFingerprint(value: string, previous: string[] = []): string[] {
  try {
    return [...previous, parseFingerprint(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function parseDurationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CommanderError(EXIT.usage, 'driftspec.invalidNumber', `expected a positive number of seconds, got "${value}"`);
  return n;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CommanderError(EXIT.usage, 'driftspec.invalidNumber', `expected a whole number of at least 1, got "${value}"`);
  return n;
}

function exitCodeFor(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.passed;
    if (error.code.startsWith('driftspec.')) io.stderr.write(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (isSpecError(error)) {
    io.stderr.write(`driftspec: ${error.message}\n`);
    return EXIT.config;
  }
  if (error instanceof OutputFileError) {
    io.stderr.write(`driftspec: ${error.message}\n`);
    return EXIT.output;
  }
  io.stderr.write(`driftspec: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.internal;
}
