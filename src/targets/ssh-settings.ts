import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SpecError } from '../inputs/input-error.js';
import { currentUser } from './address.js';
import type { HostKeyPolicy } from './host-key-policy.js';
import type { JumpSpec } from './jump-spec.js';
import { formatZodIssues } from '../inputs/zod-issues.js';
import { ProxyCommandValue, type SshConfig } from './ssh-config.js';
import { readSshConfig } from './ssh-config-read.js';
import { parseKnownHosts, type KnownHostEntry } from './known-hosts.js';
import { IdentityError, loadCredentials, type Identity, type SshCredentials } from './ssh-credentials.js';

/** What every SSH target of a run shares: credentials, host key rules, the connect timeout, ssh_config. */
export interface SshSettings {
  credentials: SshCredentials;
  hostKeys: HostKeyPolicy;
  connectTimeoutMs: number;
  /** ~/.ssh/config or --ssh-config: HostName, User, Port, IdentityFile and ProxyJump per host. */
  sshConfig?: SshConfig;
  /** --jump: the jump hosts of every target, in place of ProxyJump. */
  jumps?: readonly JumpSpec[];
  /** --proxy-command, or an inventory host's proxyCommand: in place of ProxyCommand/ProxyJump; tokens unexpanded. */
  proxyCommand?: { command: string; source: string };
  /** For key files named in ssh_config: the home directory, the passphrase, keys already read. */
  home: string;
  passphrase?: string;
  configIdentities: Map<string, Identity | Error>;
  /**
   * The user running driftspec, asked of the system once per run: every target is routed with it,
   * and the system's answer is a password database lookup (1.2 s for 80,000 inventory hosts).
   */
  localUser?: () => string;
}

/** The `driftspec run` options; the repeatable ones are undefined when not given. */
export interface SshFlags {
  identity?: readonly string[];
  knownHosts?: readonly string[];
  hostKey?: readonly string[];
  acceptNewHostKeys?: boolean;
  /** Seconds. */
  connectTimeout: number;
  /** --ssh-config FILE, or false for --no-ssh-config; default ~/.ssh/config where it exists. */
  sshConfig?: string | false;
  jump?: readonly JumpSpec[];
  /** Validated by the option parser (tokens); --jump and --proxy-command exclude each other. */
  proxyCommand?: string;
}

/** OpenSSH's UserKnownHostsFile and GlobalKnownHostsFile defaults; absent files are fine. */
export function defaultKnownHostsFiles(home: string = homedir()): string[] {
  return [join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}

/**
 * Reads keys and known_hosts once per run. A file named on the command line that cannot be used
 * is an input error (SpecError, exit 78), reported before any host is contacted.
 */
export function loadSshSettings(
  flags: SshFlags,
  env: NodeJS.ProcessEnv,
  home: string = homedir(),
  systemConfigFile: string = SYSTEM_SSH_CONFIG,
): SshSettings {
  const proxyCommand = flags.proxyCommand === undefined ? undefined : ProxyCommandValue.safeParse(flags.proxyCommand);
  if (proxyCommand && !proxyCommand.success)
    throw new SpecError(formatZodIssues(proxyCommand.error), '--proxy-command');
  let credentials: SshCredentials;
  try {
    credentials = loadCredentials({ identityFiles: flags.identity ?? [], env, home });
  } catch (error) {
    if (error instanceof IdentityError) throw new SpecError(error.message, `--identity ${error.path}`);
    throw error;
  }
  const named = flags.knownHosts ?? [];
  const files = named.length > 0 ? named : defaultKnownHostsFiles(home).filter(isReadable);
  const knownHosts = files.flatMap((file) => readKnownHostsFile(file));
  return {
    credentials,
    hostKeys: {
      knownHosts,
      knownHostsFiles: files,
      pins: flags.hostKey ?? [],
      acceptNew: flags.acceptNewHostKeys ?? false,
    },
    connectTimeoutMs: flags.connectTimeout * 1000,
    ...loadSshConfig(flags.sshConfig, home, systemConfigFile),
    ...(flags.jump && flags.jump.length > 0 ? { jumps: flags.jump } : {}),
    ...(flags.proxyCommand ? { proxyCommand: { command: flags.proxyCommand, source: '--proxy-command' } } : {}),
    home,
    ...(env.DRIFTSPEC_SSH_PASSPHRASE ? { passphrase: env.DRIFTSPEC_SSH_PASSPHRASE } : {}),
    configIdentities: new Map(),
    localUser: askedOnce(currentUser),
  };
}

function askedOnce(ask: () => string): () => string {
  let answer: string | undefined;
  return () => (answer ??= ask());
}

/** OpenSSH's user configuration file. */
export function defaultSshConfigFile(home: string = homedir()): string {
  return join(home, '.ssh', 'config');
}

/** OpenSSH's system-wide configuration file, read after the user's. */
export const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';

/**
 * As OpenSSH: ~/.ssh/config, then /etc/ssh/ssh_config (the first value obtained wins), each where it
 * exists; a named file (-F) replaces both and must be readable. Bad lines are SpecErrors (exit 78).
 */
function loadSshConfig(named: string | false | undefined, home: string, systemFile: string): { sshConfig?: SshConfig } {
  if (named === false) return {};
  if (named !== undefined) return { sshConfig: readSshConfig(named, { home }) };
  const read = [defaultSshConfigFile(home), systemFile]
    .filter((path) => existsSync(path))
    .map((path) => readSshConfig(path, { home, ...(path === systemFile ? { includeBase: dirname(path) } : {}) }));
  if (read.length === 0) return {};
  return {
    sshConfig: {
      files: read.flatMap((config) => config.files),
      directives: read.flatMap((config) => config.directives),
    },
  };
}

function readKnownHostsFile(file: string): KnownHostEntry[] {
  try {
    return parseKnownHosts(readFileSync(file, 'utf8'), file);
  } catch (error) {
    throw new SpecError(
      `cannot read the known_hosts file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      `--known-hosts ${file}`,
    );
  }
}

function isReadable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
