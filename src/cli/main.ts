import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT } from '../gate/exit-codes.js';
import { isSpecError } from '../plan/build.js';
import { parseTargetAddress, type TargetAddress } from '../targets/address.js';
import { parseFingerprint } from '../targets/host-key-policy.js';
import { toolVersion } from '../version.js';
import { runCommand } from './run-command.js';
import { schemaCommand, SCHEMA_NAMES } from './schema-command.js';
import { planCommand } from './plan-command.js';

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
  stderr: NodeJS.WritableStream;
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

  program
    .command('run')
    .description('check specs against targets (default: the bundled Debian web-server spec on the local machine)')
    .argument('[specs...]', 'spec files: .yaml, .yml, .json, .ts, .mts, .js, .mjs')
    .option('-t, --target <target>', 'where to check: "local" (default) or ssh://[user@]host[:port] (repeatable)', collectTarget)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['cli', 'json']).default('cli'))
    .option('-v, --verbose', 'list every check, not only failures and errors', false)
    .option('--timeout <seconds>', 'how long the probe may run on one host', parsePositive, 300)
    .option('-i, --identity <file>', 'SSH private key to log in with (repeatable; default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa)', collect)
    .option('--known-hosts <file>', 'known_hosts file to verify host keys with (repeatable; default: ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts)', collect)
    .option('--host-key <fingerprint>', 'accept only this host key, as "ssh-keygen -lf" prints it: SHA256:… (repeatable)', collectFingerprint)
    .option('--accept-new-host-keys', 'trust the key of a host that known_hosts does not list (never a changed key; known_hosts is not written)')
    .option('--connect-timeout <seconds>', 'how long connecting and logging in to one host may take', parsePositive, 10)
    .exitOverride()
    .action(async (specs: string[], options: RunFlags) => {
      io.exitCode = await runCommand(specs, options, io);
    });

  program
    .command('plan')
    .description('print the plan (checks as plain data) that specs compile to, without touching any machine')
    .argument('<specs...>', 'spec files')
    .exitOverride()
    .action(async (specs: string[]) => {
      io.exitCode = await planCommand(specs, io);
    });

  program
    .command('schema')
    .description(`print a JSON Schema: ${SCHEMA_NAMES.join(', ')}`)
    .argument('<name>', `one of: ${SCHEMA_NAMES.join(', ')}`)
    .exitOverride()
    .action((name: string) => {
      io.exitCode = schemaCommand(name, io);
    });
  return program;
}

export interface RunFlags {
  target?: TargetAddress[];
  format: 'cli' | 'json';
  verbose: boolean;
  timeout: number;
  /** Repeatable SSH options: undefined when not given. */
  identity?: string[];
  knownHosts?: string[];
  hostKey?: string[];
  acceptNewHostKeys?: boolean;
  connectTimeout: number;
}

function collect(value: string, previous: string[] = []): string[] {
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

function collectFingerprint(value: string, previous: string[] = []): string[] {
  try {
    return [...previous, parseFingerprint(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CommanderError(EXIT.usage, 'driftspec.invalidNumber', `expected a positive number of seconds, got "${value}"`);
  return n;
}

function exitCodeFor(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.passed;
    if (error.code === 'driftspec.invalidNumber') io.stderr.write(`error: ${error.message}\n`);
    return EXIT.usage;
  }
  if (isSpecError(error)) {
    io.stderr.write(`driftspec: ${error.message}\n`);
    return EXIT.config;
  }
  io.stderr.write(`driftspec: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.internal;
}
