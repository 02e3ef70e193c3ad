import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SpecError } from '../plan/build.js';
import type { HostKeyPolicy } from './host-key-policy.js';
import { parseKnownHosts, type KnownHostEntry } from './known-hosts.js';
import { IdentityError, loadCredentials, type SshCredentials } from './ssh-credentials.js';

/** What every SSH target of a run shares: credentials, host key rules, the connect timeout. */
export interface SshSettings {
  credentials: SshCredentials;
  hostKeys: HostKeyPolicy;
  connectTimeoutMs: number;
}

/** The `driftspec run` options; the repeatable ones are undefined when not given. */
export interface SshFlags {
  identity?: readonly string[];
  knownHosts?: readonly string[];
  hostKey?: readonly string[];
  acceptNewHostKeys?: boolean;
  /** Seconds. */
  connectTimeout: number;
}

/** OpenSSH's UserKnownHostsFile and GlobalKnownHostsFile defaults; absent files are fine. */
export function defaultKnownHostsFiles(home: string = homedir()): string[] {
  return [join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}

/**
 * Reads keys and known_hosts once per run. A file named on the command line that cannot be used
 * is an input error (SpecError, exit 78), reported before any host is contacted.
 */
export function loadSshSettings(flags: SshFlags, env: NodeJS.ProcessEnv, home: string = homedir()): SshSettings {
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
    hostKeys: { knownHosts, knownHostsFiles: files, pins: flags.hostKey ?? [], acceptNew: flags.acceptNewHostKeys ?? false },
    connectTimeoutMs: flags.connectTimeout * 1000,
  };
}

function readKnownHostsFile(file: string): KnownHostEntry[] {
  try {
    return parseKnownHosts(readFileSync(file, 'utf8'), file);
  } catch (error) {
    throw new SpecError(`cannot read the known_hosts file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, `--known-hosts ${file}`);
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
