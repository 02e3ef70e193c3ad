// What driftspec takes from ssh_config(5): the keywords it uses, validated, and the settings they
// give one host, obtained as OpenSSH obtains them. Reading the files is ssh-config-read.ts.
import { z } from 'zod';
import { SshAddressSchema } from './address.js';
import { parseJumpList, type JumpSpec } from './jump-spec.js';

/** `file:line`, for messages. */
export type ConfigSource = string;

/** One pattern of a Host line: `*` any run of characters, `?` exactly one, `!` negates. */
export interface HostPattern {
  negated: boolean;
  glob: string;
}

/** A Host line's patterns: they match a host when one matches and no negated one does. */
export interface HostLine {
  patterns: readonly HostPattern[];
  source: ConfigSource;
}

/**
 * When a directive applies: every Host line it sits under (an Include inside a Host block adds
 * the block's line) matches the host, or never (inside a Match block, which is not evaluated).
 */
export type Condition = readonly HostLine[] | 'never';

const TOKEN = /%(.)/g;
const IDENTITY_FILE_TOKENS = new Set(['%', 'd', 'h', 'i', 'l', 'L', 'n', 'p', 'r', 'u']);
const SUPPORTED_TOKENS = [...IDENTITY_FILE_TOKENS].map((token) => `%${token}`).join(', ');

const HostNameValue = z
  .string()
  .min(1, 'HostName needs a value')
  .superRefine((value, context) => {
    const unknown = [...value.matchAll(TOKEN)]
      .map((match) => match[0])
      .filter((token) => token !== '%h' && token !== '%%');
    if (unknown.length > 0)
      return void context.addIssue({
        code: 'custom',
        message: `HostName accepts only the %h and %% tokens, not ${unknown.join(', ')}`,
      });
    const sample = value.replace(/%h/g, 'h');
    if (!SshAddressSchema.shape.host.safeParse(sample.toLowerCase()).success) {
      context.addIssue({
        code: 'custom',
        message: `HostName "${value}" is not a host name, IPv4 address or IPv6 address`,
      });
    }
  });

const UserValue = z
  .string()
  .min(1, 'User needs a value')
  .refine((value) => !/\s/.test(value), 'User is one word')
  .refine((value) => !value.includes('%'), 'tokens (%…) in User are not supported')
  .pipe(SshAddressSchema.shape.user);

const PortValue = z
  .string()
  .regex(/^\d{1,5}$/, 'Port must be a number 1-65535')
  .transform(Number)
  .pipe(SshAddressSchema.shape.port);

const IdentityFileValue = z
  .object({ path: z.string(), quoted: z.boolean() })
  .superRefine(({ path, quoted }, context) => {
    if (path === '') return void context.addIssue({ code: 'custom', message: 'IdentityFile needs a value' });
    if (!quoted && /\s/.test(path))
      return void context.addIssue({ code: 'custom', message: 'IdentityFile is one path (quote a path with spaces)' });
    const unknown = [...path.matchAll(TOKEN)]
      .filter((match) => !IDENTITY_FILE_TOKENS.has(match[1]!))
      .map((match) => match[0]);
    if (unknown.length > 0)
      context.addIssue({
        code: 'custom',
        message: `IdentityFile token ${unknown.join(', ')} is not supported (use ${SUPPORTED_TOKENS})`,
      });
    if (/^~[^/]/.test(path))
      context.addIssue({ code: 'custom', message: 'IdentityFile ~user/… is not supported; write the path' });
  })
  .transform(({ path }) => path);

const ProxyJumpValue = z
  .string()
  .min(1, 'ProxyJump needs a value')
  .transform((value, context): JumpSpec[] | 'none' => {
    if (value.toLowerCase() === 'none') return 'none';
    try {
      return parseJumpList(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: `ProxyJump: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

const ProxyCommandValue = z.string().min(1, 'ProxyCommand needs a value');

/** The keywords driftspec uses (lower case, as OpenSSH compares them); all others are ignored. */
export const CONFIG_VALUE_SCHEMAS = {
  hostname: HostNameValue,
  user: UserValue,
  port: PortValue,
  identityfile: IdentityFileValue,
  proxyjump: ProxyJumpValue,
  proxycommand: ProxyCommandValue,
} as const;

export type ConfigKeyword = keyof typeof CONFIG_VALUE_SCHEMAS;
type ConfigValues = { [K in ConfigKeyword]: z.output<(typeof CONFIG_VALUE_SCHEMAS)[K]> };

export type ConfigDirective = {
  [K in ConfigKeyword]: { keyword: K; value: ConfigValues[K]; source: ConfigSource; when: Condition };
}[ConfigKeyword];

export interface SshConfig {
  /** The files read: the one named, then those it included, in order. */
  files: readonly string[];
  /** The directives driftspec uses, in the order OpenSSH reads them. */
  directives: readonly ConfigDirective[];
}

export interface Sourced<T> {
  value: T;
  source: ConfigSource;
}

export type ProxySetting =
  | { kind: 'jump'; hops: readonly JumpSpec[] }
  | { kind: 'none' }
  | { kind: 'command'; command: string };

/** What ssh_config says about one host; each value knows the line it came from. */
export interface HostConfig {
  /** With %h already replaced; lower case. */
  hostName?: Sourced<string>;
  user?: Sourced<string>;
  port?: Sourced<number>;
  /** Every IdentityFile that applies, in order, tokens and `~` not yet expanded. */
  identityFiles: Sourced<string>[];
  /** ProxyJump or ProxyCommand, whichever was obtained first (OpenSSH ignores the later one). */
  proxy?: Sourced<ProxySetting>;
}

/**
 * The settings for `host` (the name the user typed, before HostName): for each keyword the
 * first value obtained wins, as in OpenSSH; IdentityFile collects every value.
 */
export function resolveHostConfig(config: SshConfig | undefined, host: string): HostConfig {
  const resolved: HostConfig = { identityFiles: [] };
  for (const directive of config?.directives ?? []) {
    if (!applies(directive.when, host)) continue;
    const { source } = directive;
    switch (directive.keyword) {
      case 'hostname':
        resolved.hostName ??= {
          value: directive.value.replace(/%(%|h)/g, (_, token: string) => (token === 'h' ? host : '%')).toLowerCase(),
          source,
        };
        break;
      case 'user':
        resolved.user ??= { value: directive.value, source };
        break;
      case 'port':
        resolved.port ??= { value: directive.value, source };
        break;
      case 'identityfile':
        resolved.identityFiles.push({ value: directive.value, source });
        break;
      case 'proxyjump':
        resolved.proxy ??= {
          value: directive.value === 'none' ? { kind: 'none' } : { kind: 'jump', hops: directive.value },
          source,
        };
        break;
      case 'proxycommand':
        resolved.proxy ??= {
          value:
            directive.value.toLowerCase() === 'none' ? { kind: 'none' } : { kind: 'command', command: directive.value },
          source,
        };
        break;
    }
  }
  return resolved;
}

function applies(when: Condition, host: string): boolean {
  return when !== 'never' && when.every((line) => hostLineMatches(line, host));
}

export function hostLineMatches(line: HostLine, host: string): boolean {
  let matched = false;
  for (const pattern of line.patterns) {
    if (!globMatches(pattern.glob, host)) continue;
    if (pattern.negated) return false;
    matched = true;
  }
  return matched;
}

/** OpenSSH's match_pattern: `*` any run of characters, `?` exactly one; host names compared in lower case. */
export function globMatches(glob: string, text: string): boolean {
  const source = [...glob.toLowerCase()]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(text.toLowerCase());
}

/** The values OpenSSH substitutes for IdentityFile tokens. */
export interface IdentityTokens {
  home: string;
  localUser: string;
  uid: number;
  localHostName: string;
  /** The host name connected to (after HostName). */
  hostName: string;
  /** The host as the user named it. */
  originalHost: string;
  port: number;
  remoteUser: string;
}

/** `~` and the %-tokens of an IdentityFile path. */
export function expandIdentityPath(path: string, tokens: IdentityTokens): string {
  const values: Record<string, string> = {
    '%': '%',
    d: tokens.home,
    h: tokens.hostName,
    i: String(tokens.uid),
    l: tokens.localHostName,
    L: tokens.localHostName.split('.')[0] ?? tokens.localHostName,
    n: tokens.originalHost,
    p: String(tokens.port),
    r: tokens.remoteUser,
    u: tokens.localUser,
  };
  const expanded = path.replace(TOKEN, (token, name: string) => values[name] ?? token);
  return expanded === '~' ? tokens.home : expanded.startsWith('~/') ? `${tokens.home}${expanded.slice(1)}` : expanded;
}
