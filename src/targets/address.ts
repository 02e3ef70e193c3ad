import { isIPv4, isIPv6 } from 'node:net';
import { userInfo } from 'node:os';
import { isAbsolute, normalize } from 'node:path';
import { z } from 'zod';

/** Where a target is, as plain data; building the connection is a separate step. */
export type TargetAddress = { kind: 'local' } | SshAddress | RootfsAddress;

/** An image's root directory, checked without booting it (`rootfs:/path`); `path` is absolute. */
export interface RootfsAddress {
  kind: 'rootfs';
  path: string;
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** A user name on a target: for SSH logins and for `--sudo-user`. */
export const UserNameSchema = z
  .string()
  .min(1, 'the user name is empty')
  .max(256, 'the user name is longer than 256 characters')
  .refine((user) => !CONTROL_CHARACTERS.test(user), 'the user name contains a control character');

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/;

export const SshAddressSchema = z.object({
  kind: z.literal('ssh'),
  /** Sent to sshd as protocol data, never through a shell; control characters are refused all the same. */
  user: UserNameSchema,
  /** Lower case; an IPv6 address without brackets. */
  host: z
    .string()
    .refine(
      (host) => isIPv4(host) || isIPv6(host) || DNS_NAME.test(host),
      'not a host name, IPv4 address or bracketed IPv6 address',
    ),
  port: z.number().int().min(1, 'the port must be 1-65535').max(65535, 'the port must be 1-65535'),
  /** Parts the URL left out and defaults filled in; ssh_config may supply them instead. */
  defaulted: z.array(z.enum(['user', 'port'])).optional(),
});
export type SshAddress = z.infer<typeof SshAddressSchema>;

/** A `--target` (or inventory) text that is not a target; callers add where it came from. */
export class TargetAddressError extends Error {
  override name = 'TargetAddressError';
}

const SSH_FORM = 'ssh://[user@]host[:port] (an IPv6 address in brackets)';

export function parseTargetAddress(text: string, defaultUser: () => string = currentUser): TargetAddress {
  if (text === 'local' || text === 'local://') return { kind: 'local' };
  if (text.startsWith(ROOTFS_PREFIX)) return parseRootfsAddress(text);
  if (!text.startsWith('ssh://'))
    throw new TargetAddressError(`unknown target; expected "local" or ${SSH_FORM}, or ${ROOTFS_FORM}`);
  return parseSshUrl(text, defaultUser);
}

function parseSshUrl(text: string, defaultUser: () => string): SshAddress {
  const parts = parseSshUrlParts(text);
  const defaulted = [
    ...(parts.user === undefined ? (['user'] as const) : []),
    ...(parts.port === undefined ? (['port'] as const) : []),
  ];
  return {
    kind: 'ssh',
    user: parts.user ?? defaultUser(),
    host: parts.host,
    port: parts.port ?? 22,
    ...(defaulted.length > 0 ? { defaulted } : {}),
  };
}

/** What an `ssh://` URL says, leaving out what it does not (user, port) instead of defaulting it. */
const SshUrlPartsSchema = SshAddressSchema.pick({ user: true, host: true, port: true }).partial({
  user: true,
  port: true,
});
export type SshUrlParts = z.infer<typeof SshUrlPartsSchema>;

export function parseSshUrlParts(text: string): SshUrlParts {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TargetAddressError(`not a valid URL; expected ${SSH_FORM}`);
  }
  if (url.password !== '') {
    throw new TargetAddressError(
      'a password does not belong in a target URL (process lists and shell history show it); set ' +
        'DRIFTSPEC_SSH_PASSWORD instead',
    );
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new TargetAddressError(`a target URL has no path, query or fragment; expected ${SSH_FORM}`);
  }
  const parsed = SshUrlPartsSchema.safeParse({
    ...(url.username === '' ? {} : { user: decodeComponent(url.username, 'user name') }),
    host: decodeComponent(url.hostname.replace(/^\[(.*)\]$/, '$1'), 'host').toLowerCase(),
    ...(url.port === '' ? {} : { port: Number(url.port) }),
  });
  if (!parsed.success)
    throw new TargetAddressError(
      `${parsed.error.issues.map((issue) => issue.message).join('; ')}; expected ${SSH_FORM}`,
    );
  return parsed.data;
}

function decodeComponent(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new TargetAddressError(`the ${what} has a malformed %-escape`);
  }
}

const ROOTFS_PREFIX = 'rootfs:';
const ROOTFS_FORM = 'rootfs:/path/to/image-root';

/** The path is kept as written (normalised): the image's own symlinks are never resolved here. */
function parseRootfsAddress(text: string): RootfsAddress {
  const path = text.slice(ROOTFS_PREFIX.length);
  if (!isAbsolute(path))
    throw new TargetAddressError(`the image root must be an absolute path; expected ${ROOTFS_FORM}`);
  if (CONTROL_CHARACTERS.test(path)) throw new TargetAddressError('the image root path contains a control character');
  const normalised = normalize(path);
  return { kind: 'rootfs', path: normalised.length > 1 ? normalised.replace(/\/$/, '') : normalised };
}

/** How reports name an image root: `rootfs:/srv/images/web`. */
export function rootfsTargetName(address: RootfsAddress): string {
  return `${ROOTFS_PREFIX}${address.path}`;
}

/** How reports name an SSH host: `ssh://root@10.0.0.5:22`, the user %-encoded as in a URL. */
export function sshTargetName(address: SshAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `ssh://${encodeURIComponent(address.user)}@${host}:${address.port}`;
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    const fromEnvironment = process.env.USER ?? process.env.LOGNAME;
    if (fromEnvironment) return fromEnvironment;
    throw new TargetAddressError('the URL names no user and the current user has no name; write ssh://user@host');
  }
}
