import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { describeHostKey } from './known-hosts.js';

/** A private key read from a file, ready to sign. */
export interface Identity {
  path: string;
  key: ParsedKey;
  /** `ED25519 SHA256:… (/home/me/.ssh/id_ed25519)`, for messages. */
  description: string;
  /** Found at a default path (~/.ssh/id_*) rather than named: ssh_config's IdentityFile replaces it. */
  fromDefaultPath?: boolean;
}

/** Everything a connection may authenticate with, tried in this order: keys, agent, password. */
export interface SshCredentials {
  identities: readonly Identity[];
  /** ssh-agent's socket (SSH_AUTH_SOCK). */
  agentSocket?: string;
  password?: string;
  /** Key files named in ssh_config that could not be used (absent, encrypted…), told when login fails. */
  unusable?: readonly string[];
}

/** A named key file that cannot be used: an input error, reported before any host is contacted. */
export class IdentityError extends Error {
  override name = 'IdentityError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export function loadIdentity(path: string, passphrase?: string): Identity {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    throw new IdentityError(
      path,
      `cannot read the key file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const parsed = ssh2.utils.parseKey(data, passphrase);
  if (parsed instanceof Error) throw new IdentityError(path, describeParseFailure(parsed, passphrase));
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
  if (!key.isPrivateKey())
    throw new IdentityError(path, 'this is a public key; name the private key file (without .pub)');
  return { path, key, description: `${describeHostKey(key.getPublicSSH())} (${path})` };
}

function describeParseFailure(error: Error, passphrase: string | undefined): string {
  if (/passphrase/i.test(error.message) || /decrypt/i.test(error.message)) {
    return passphrase === undefined
      ? 'the key is encrypted: set DRIFTSPEC_SSH_PASSPHRASE to its passphrase (or load it into ssh-agent)'
      : 'the key could not be decrypted with DRIFTSPEC_SSH_PASSPHRASE (wrong passphrase?)';
  }
  return `not a private key driftspec can use (ED25519, ECDSA or RSA in OpenSSH or PEM format): ${error.message}`;
}

/** The files OpenSSH tries when none is named; ones that do not exist or are locked are skipped. */
export function defaultIdentities(home: string = homedir(), passphrase?: string): Identity[] {
  const identities: Identity[] = [];
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    try {
      identities.push({ ...loadIdentity(join(home, '.ssh', name), passphrase), fromDefaultPath: true });
    } catch {
      // Absent or encrypted: the agent may hold it.
    }
  }
  return identities;
}

export interface CredentialInputs {
  /** `--identity` files; when empty, the default ~/.ssh/id_* files. */
  identityFiles: readonly string[];
  env: NodeJS.ProcessEnv;
  home?: string;
}

/** Secrets come from the environment only: never from the command line, where `ps` shows them. */
export function loadCredentials(inputs: CredentialInputs): SshCredentials {
  const passphrase = nonEmpty(inputs.env.DRIFTSPEC_SSH_PASSPHRASE);
  const identities =
    inputs.identityFiles.length > 0
      ? inputs.identityFiles.map((path) => loadIdentity(path, passphrase))
      : defaultIdentities(inputs.home, passphrase);
  const agentSocket = nonEmpty(inputs.env.SSH_AUTH_SOCK);
  const password = nonEmpty(inputs.env.DRIFTSPEC_SSH_PASSWORD);
  return { identities, ...(agentSocket ? { agentSocket } : {}), ...(password !== undefined ? { password } : {}) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
