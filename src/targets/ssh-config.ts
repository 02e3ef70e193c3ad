// What driftspec takes from ssh_config(5): the keywords it uses, validated, and the settings they
// give one host, obtained as OpenSSH obtains them. Reading the files is ssh-config-read.ts.
import { z } from 'zod';
import { SpecError } from '../inputs/input-error.js';
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
  kind: 'host';
  patterns: readonly HostPattern[];
  source: ConfigSource;
}

/** Criteria of a Match line that take a comma-separated pattern list. */
export const MATCH_PATTERN_CRITERIA = ['host', 'originalhost', 'user', 'localuser'] as const;
/** Criteria driftspec refuses when it would have to evaluate them (see docs/ssh.md). */
export const MATCH_REFUSED_CRITERIA = [
  'exec',
  'localnetwork',
  'address',
  'localaddress',
  'localport',
  'rdomain',
  'tagged',
  'command',
  'sessiontype',
  'version',
] as const;

export type MatchCriterion =
  | { negated: boolean; name: 'all' | 'canonical' | 'final' }
  | { negated: boolean; name: (typeof MATCH_PATTERN_CRITERIA)[number]; patterns: readonly HostPattern[] }
  | { negated: boolean; name: (typeof MATCH_REFUSED_CRITERIA)[number]; argument: string };

/** A Match line: applies when every criterion holds (each negated with `!`). */
export interface MatchLine {
  kind: 'match';
  criteria: readonly MatchCriterion[];
  source: ConfigSource;
}

/**
 * When a directive applies: every Host or Match line it sits under (an Include inside a block adds
 * the block's line) matches the host.
 */
export type Condition = readonly (HostLine | MatchLine)[];

const TOKEN = /%(.)/g;
/** The tokens driftspec replaces in IdentityFile and ProxyCommand (OpenSSH knows a few more). */
const CONNECTION_TOKENS = new Set(['%', 'd', 'h', 'i', 'l', 'L', 'n', 'p', 'r', 'u']);
const SUPPORTED_TOKENS = [...CONNECTION_TOKENS].map((token) => `%${token}`).join(', ');

function unsupportedTokens(text: string): string[] {
  return [...text.matchAll(TOKEN)].filter((match) => !CONNECTION_TOKENS.has(match[1]!)).map((match) => match[0]);
}

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
    const unknown = unsupportedTokens(path);
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

export const ProxyCommandValue = z
  .string()
  .min(1, 'ProxyCommand needs a value')
  .superRefine((command, context) => {
    const unknown = unsupportedTokens(command);
    if (unknown.length > 0)
      context.addIssue({
        code: 'custom',
        message: `ProxyCommand token ${unknown.join(', ')} is not supported (use ${SUPPORTED_TOKENS})`,
      });
  });

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

/** Who is connecting where, for Match lines; the user and host name are those obtained so far. */
export interface MatchSubject {
  /** The host as the user named it. */
  originalHost: string;
  /** The user given explicitly (target URL, inventory); else ssh_config's User, else `defaultUser`. */
  explicitUser?: string;
  defaultUser: string;
  localUser: string;
}

/**
 * The settings for a host (the name the user typed, before HostName): for each keyword the first
 * value obtained wins, as in OpenSSH; IdentityFile collects every value. A `Match final` line
 * makes a second pass, as OpenSSH's, in which `final` and `canonical` hold.
 */
export function resolveHostConfig(config: SshConfig | undefined, subject: MatchSubject | string): HostConfig {
  const who = typeof subject === 'string' ? { originalHost: subject, defaultUser: '', localUser: '' } : subject;
  const resolved: HostConfig = { identityFiles: [] };
  const directives = config?.directives ?? [];
  resolvePass(directives, who, resolved, false);
  if (wantsFinalPass(directives)) resolvePass(directives, who, resolved, true);
  return resolved;
}

function resolvePass(
  directives: readonly ConfigDirective[],
  subject: MatchSubject,
  resolved: HostConfig,
  finalPass: boolean,
): void {
  const host = subject.originalHost;
  for (const directive of directives) {
    if (!applies(directive.when, subject, resolved, finalPass)) continue;
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
        if (!resolved.identityFiles.some((file) => file.value === directive.value))
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
}

function wantsFinalPass(directives: readonly ConfigDirective[]): boolean {
  return directives.some((directive) =>
    directive.when.some(
      (line) => line.kind === 'match' && line.criteria.some((item) => item.name === 'final' && !item.negated),
    ),
  );
}

function applies(when: Condition, subject: MatchSubject, resolved: HostConfig, finalPass: boolean): boolean {
  return when.every((line) =>
    line.kind === 'host'
      ? hostLineMatches(line, subject.originalHost)
      : matchLineMatches(line, subject, resolved, finalPass),
  );
}

/**
 * As OpenSSH: the criteria in order, all of them needed. `host` is the HostName obtained so far
 * (else the name typed) and `user` the remote user so far. A criterion driftspec does not
 * evaluate is refused once every criterion before it holds, so a line for other hosts costs nothing.
 */
function matchLineMatches(line: MatchLine, subject: MatchSubject, resolved: HostConfig, finalPass: boolean): boolean {
  for (const criterion of line.criteria) {
    let holds: boolean;
    switch (criterion.name) {
      case 'all':
        holds = true;
        break;
      case 'canonical':
      case 'final':
        holds = finalPass;
        break;
      case 'host':
        holds = patternListMatches(criterion.patterns, resolved.hostName?.value ?? subject.originalHost, true);
        break;
      case 'originalhost':
        holds = patternListMatches(criterion.patterns, subject.originalHost, true);
        break;
      case 'user':
        holds = patternListMatches(
          criterion.patterns,
          subject.explicitUser ?? resolved.user?.value ?? subject.defaultUser,
          false,
        );
        break;
      case 'localuser':
        holds = patternListMatches(criterion.patterns, subject.localUser, false);
        break;
      default:
        throw new SpecError(refusedCriterionMessage(criterion.name, criterion.argument), line.source);
    }
    if (holds === criterion.negated) return false;
  }
  return true;
}

function refusedCriterionMessage(name: string, argument: string): string {
  return name === 'exec'
    ? `Match exec "${argument}" would run a command to decide, and driftspec runs no command from ssh_config ` +
        'while reading it for many hosts; write the condition with host, originalhost, user or localuser'
    : `Match ${name} is not supported (driftspec evaluates all, host, originalhost, user, localuser, ` +
        'canonical and final)';
}

export function hostLineMatches(line: Omit<HostLine, 'kind'>, host: string): boolean {
  return patternListMatches(line.patterns, host, true);
}

/** OpenSSH's match_pattern_list: one pattern matches and no negated one does. */
function patternListMatches(patterns: readonly HostPattern[], text: string, ignoreCase: boolean): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (!globMatches(pattern.glob, text, ignoreCase)) continue;
    if (pattern.negated) return false;
    matched = true;
  }
  return matched;
}

/** OpenSSH's match_pattern: `*` any run of characters, `?` exactly one; host names compared in lower case. */
export function globMatches(glob: string, text: string, ignoreCase = true): boolean {
  if (ignoreCase) return globMatches(glob.toLowerCase(), text.toLowerCase(), false);
  const source = [...glob]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(text);
}

/** The values OpenSSH substitutes for IdentityFile and ProxyCommand tokens. */
export interface ConnectionTokens {
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
export function expandIdentityPath(path: string, tokens: ConnectionTokens): string {
  const expanded = expandTokens(path, tokens);
  return expanded === '~' ? tokens.home : expanded.startsWith('~/') ? `${tokens.home}${expanded.slice(1)}` : expanded;
}

/** The %-tokens of an IdentityFile path or a ProxyCommand. */
export function expandTokens(text: string, tokens: ConnectionTokens): string {
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
  return text.replace(TOKEN, (token, name: string) => values[name] ?? token);
}
