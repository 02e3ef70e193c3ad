import { isIPv4, isIPv6 } from 'node:net';
import { userInfo } from 'node:os';
import { isAbsolute, normalize } from 'node:path';
import { z } from 'zod';

/** Where a target is, as plain data; building the connection is a separate step. */
export type TargetAddress = { kind: 'local' } | SshAddress | RootfsAddress | ArchiveAddress | DiskAddress;

/** An image's root directory, checked without booting it (`rootfs:/path`); `path` is absolute. */
export interface RootfsAddress {
  kind: 'rootfs';
  path: string;
}

/**
 * A container image archive, unpacked into a private directory before it is checked:
 * `oci:/path[:reference]` (an OCI image layout, a directory or its tar) or
 * `docker-archive:/path.tar[:name:tag]` (a `docker save` tarball). `reference` picks one image of
 * an archive that holds several.
 */
export type ArchiveAddress = ArchiveOf<'oci'> | ArchiveOf<'docker-archive'>;

interface ArchiveOf<Kind extends string> {
  kind: Kind;
  path: string;
  reference?: string;
}

/** A raw disk image (`disk:/path.raw`), its partitions mounted read-only through a loop device. */
export interface DiskAddress {
  kind: 'disk';
  path: string;
}

/** The targets that are an image, not booted: checked without running anything of theirs. */
export type ImageAddress = RootfsAddress | ArchiveAddress | DiskAddress;

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
  const image = IMAGE_FORMS.find((form) => text.startsWith(form.prefix));
  if (image) return image.parse(text.slice(image.prefix.length));
  if (!text.startsWith('ssh://'))
    throw new TargetAddressError(
      `unknown target; expected "local", ${SSH_FORM}, or an image: ${IMAGE_FORMS.map((f) => f.form).join(', ')}`,
    );
  return parseSshUrl(text, defaultUser);
}

/** Whether a text is meant as a target rather than a file name (drift takes both). */
export function looksLikeTarget(text: string): boolean {
  return (
    ['local', 'local://'].includes(text) ||
    text.startsWith('ssh://') ||
    IMAGE_FORMS.some((f) => text.startsWith(f.prefix))
  );
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

interface ImageForm {
  prefix: string;
  form: string;
  parse: (rest: string) => ImageAddress;
}

const IMAGE_FORMS: readonly ImageForm[] = [
  {
    prefix: 'rootfs:',
    form: 'rootfs:/path/to/image-root',
    parse: (rest) => ({ kind: 'rootfs', path: imagePath(rest, 'the image root', 'rootfs:/path/to/image-root') }),
  },
  {
    prefix: 'oci:',
    form: 'oci:/path[:reference]',
    parse: (rest) => archiveAddress('oci', rest, 'oci:/path/to/layout-or-tar[:reference]'),
  },
  {
    prefix: 'docker-archive:',
    form: 'docker-archive:/path.tar[:name:tag]',
    parse: (rest) => archiveAddress('docker-archive', rest, 'docker-archive:/path/to/image.tar[:name:tag]'),
  },
  {
    prefix: 'disk:',
    form: 'disk:/path.raw',
    parse: (rest) => ({ kind: 'disk', path: imagePath(rest, 'the disk image', 'disk:/path/to/disk.raw') }),
  },
];

/** The path runs to the first colon; what follows names one image of the archive. */
function archiveAddress(kind: ArchiveAddress['kind'], rest: string, form: string): ArchiveAddress {
  const colon = rest.indexOf(':');
  const path = imagePath(colon === -1 ? rest : rest.slice(0, colon), 'the image archive', form);
  if (colon === -1) return { kind, path };
  const reference = rest.slice(colon + 1);
  if (reference === '') throw new TargetAddressError(`the image reference after the path is empty; expected ${form}`);
  if (CONTROL_CHARACTERS.test(reference))
    throw new TargetAddressError('the image reference contains a control character');
  return { kind, path, reference };
}

/** The path is kept as written (normalised): the image's own symlinks are never resolved here. */
function imagePath(path: string, what: string, form: string): string {
  if (!isAbsolute(path)) throw new TargetAddressError(`${what} must be an absolute path; expected ${form}`);
  if (CONTROL_CHARACTERS.test(path)) throw new TargetAddressError(`${what} path contains a control character`);
  const normalised = normalize(path);
  return normalised.length > 1 ? normalised.replace(/\/$/, '') : normalised;
}

/** How reports name an image: `rootfs:/srv/images/web`, `docker-archive:/srv/web.tar:web:1.4`. */
export function imageTargetName(address: ImageAddress): string {
  const reference = 'reference' in address && address.reference !== undefined ? `:${address.reference}` : '';
  return `${address.kind}:${address.path}${reference}`;
}

/** How reports name any target. */
export function targetName(address: TargetAddress): string {
  if (address.kind === 'local') return 'local';
  if (address.kind === 'ssh') return sshTargetName(address);
  return imageTargetName(address);
}

/** How reports name an SSH host: `ssh://root@10.0.0.5:22`, the user %-encoded as in a URL. */
export function sshTargetName(address: SshAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  // Joined, not concatenated: V8 keeps a concatenation as a tree of its parts, and a fleet holds
  // every host's name for the whole run (about 100 bytes per host more, measured in bench/).
  return ['ssh://', encodeURIComponent(address.user), '@', host, ':', address.port].join('');
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
