import { resolve } from 'node:path';
import type { z } from 'zod';
import { InventoryLimitError } from '../inventory/load.js';
import { DuplicateTargetError, selectTargets, type SelectedTargets } from '../inventory/select.js';
import { parseTargetAddress, TargetAddressError, type TargetAddress } from '../targets/address.js';
import { parseFingerprint } from '../targets/host-key-policy.js';
import { parseJumpList } from '../targets/jump-spec.js';
import { ProxyCommandValue } from '../targets/ssh-config.js';
import { loadSudoSettings, SudoUserSchema, type SudoSettings } from '../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../targets/ssh-settings.js';
import { DriftspecOptionError } from './errors.js';
import type { ConnectionOptionsSchema } from './schemas.js';
import { linkAbort, type LinkedAbort } from './signal.js';

// What the functions do with their checked options before any host is contacted: the first
// problem named as an option, target addresses parsed, SSH and sudo settings, the hosts selected.

type ConnectionOptions = z.output<typeof ConnectionOptionsSchema>;

/** What a function works with once its options are checked: the options, its abort link, its access to targets. */
export interface Call<O> {
  options: O;
  abort: LinkedAbort;
  access: Access;
}

/**
 * Checks a function's options, links its signal and settles its access to targets, then runs
 * `body`; the caller's signal is let go of however the body ends.
 */
export async function checkedCall<S extends z.ZodType<ConnectionOptions>, R>(
  operation: string,
  schema: S,
  value: unknown,
  body: (call: Call<z.output<S>>) => Promise<R>,
): Promise<R> {
  const options = parseOptions(operation, schema, value);
  const abort = linkAbort(operation, options.signal);
  try {
    return await body({ options, abort, access: accessFor(operation, options) });
  } finally {
    abort.release();
  }
}

/** Validates `value` against the function's schema; the first problem is thrown, naming the option. */
export function parseOptions<S extends z.ZodType>(operation: string, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const option = issue.path.map((key, index) =>
    typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${String(key)}`,
  );
  const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  if (unknownKeys.length > 0) {
    const where = option.length > 0 ? `${option.join('')}.` : '';
    throw new DriftspecOptionError(operation, `${where}${unknownKeys[0]}`, 'no such option');
  }
  throw new DriftspecOptionError(operation, option.join('') || '(options)', issue.message);
}

/** Target addresses as the CLI takes them: "local", "ssh://user@host:port", "rootfs:/path", … */
export function parseTargets(operation: string, option: string, texts: readonly string[]): TargetAddress[] {
  return texts.map((text, index) => parseTarget(operation, `${option}[${index}]`, text));
}

export function parseTarget(operation: string, option: string, text: string): TargetAddress {
  try {
    return parseTargetAddress(text);
  } catch (error) {
    if (error instanceof TargetAddressError) throw new DriftspecOptionError(operation, option, error.message);
    throw error;
  }
}

/** What the targets of a call share: SSH settings (read once, when the first SSH target needs them) and sudo. */
export interface Access {
  sshSettings: () => SshSettings;
  sudo: SudoSettings | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function accessFor(operation: string, options: ConnectionOptions): Access {
  const env = process.env;
  const cwd = options.cwd ?? process.cwd();
  const fromCwd = (paths: readonly string[]) => paths.map((path) => resolve(cwd, path));
  const ssh = options.ssh ?? {};
  const jump = parseEach(operation, 'ssh.jump', ssh.jump ?? [], parseJumpList).flat();
  const hostKey = parseEach(operation, 'ssh.hostKeys', ssh.hostKeys ?? [], parseFingerprint);
  const proxyCommand = ssh.proxyCommand === undefined ? undefined : ProxyCommandValue.safeParse(ssh.proxyCommand);
  if (proxyCommand && !proxyCommand.success)
    throw new DriftspecOptionError(operation, 'ssh.proxyCommand', proxyCommand.error.issues[0]!.message);
  if (proxyCommand && jump.length > 0)
    throw new DriftspecOptionError(operation, 'ssh.proxyCommand', 'a command or jump hosts, not both');
  const flags = {
    ...(ssh.identity ? { identity: fromCwd(ssh.identity) } : {}),
    ...(ssh.knownHosts ? { knownHosts: fromCwd(ssh.knownHosts) } : {}),
    hostKey,
    acceptNewHostKeys: ssh.acceptNewHostKeys ?? false,
    connectTimeout: options.connectTimeoutSeconds,
    ...(ssh.config === undefined ? {} : { sshConfig: ssh.config && resolve(cwd, ssh.config) }),
    ...(jump.length > 0 ? { jump } : {}),
    ...(proxyCommand ? { proxyCommand: proxyCommand.data } : {}),
  };
  let settings: SshSettings | undefined;
  return {
    sshSettings: () => (settings ??= loadSshSettings(flags, env)),
    sudo: loadSudoSettings(sudoFlags(operation, options.sudo), env),
    env,
    cwd,
  };
}

function sudoFlags(operation: string, sudo: ConnectionOptions['sudo']): { sudo?: boolean; sudoUser?: string } {
  if (sudo === undefined || sudo === false) return {};
  if (sudo === true || sudo.user === undefined) return { sudo: true };
  const user = SudoUserSchema.safeParse(sudo.user);
  if (!user.success) throw new DriftspecOptionError(operation, 'sudo.user', user.error.issues[0]!.message);
  return { sudo: true, sudoUser: user.data };
}

function parseEach<T>(operation: string, option: string, texts: readonly string[], parse: (text: string) => T): T[] {
  return texts.map((text, index) => {
    try {
      return parse(text);
    } catch (error) {
      throw new DriftspecOptionError(operation, `${option}[${index}]`, (error as Error).message);
    }
  });
}

/** The hosts of a run or a drift: `targets` (or `fallback`), then the inventory's that `limit` selects. */
export function selectHosts(
  operation: string,
  options: { targets?: string[] | undefined; inventory?: string | undefined; limit?: string[] | undefined },
  fallback: readonly string[],
  access: Access,
): SelectedTargets {
  const addresses = parseTargets(operation, 'targets', options.targets ?? (options.inventory ? [] : fallback));
  const selection = {
    ...(options.inventory === undefined ? {} : { inventory: options.inventory }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  };
  try {
    return selectTargets(addresses, selection, { ...access, named: 'a target' });
  } catch (error) {
    if (error instanceof InventoryLimitError) throw new DriftspecOptionError(operation, 'limit', error.message);
    if (error instanceof DuplicateTargetError) throw new DriftspecOptionError(operation, 'targets', error.message);
    throw error;
  }
}
