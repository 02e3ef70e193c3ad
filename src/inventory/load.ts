import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SpecError } from '../inputs/input-error.js';
import { lazyLocator, type Locator, type Path } from '../inputs/located-yaml.js';
import { NOT_PLAIN, readPlainYamlMap } from '../inputs/plain-yaml.js';
import { readInputFile } from '../inputs/read.js';
import { parseYamlInput, validateLocated } from '../inputs/yaml-input.js';
import {
  currentUser,
  parseTargetAddress,
  SshAddressSchema,
  targetName,
  TargetAddressError,
  type SshAddress,
  type TargetAddress,
} from '../targets/address.js';
import { parseFingerprint } from '../targets/host-key-policy.js';
import { inventoryPieces, whereLayoutBreaks } from './read-in-pieces.js';
import {
  ALL_GROUP,
  inventoryFileSchema,
  inventoryPartSchemas,
  type InventoryFile,
  type InventoryGroupEntry,
  type InventoryHostEntry,
} from './schema.js';

/**
 * One host of an inventory, resolved: how to reach it and what the inventory says about it. Hosts
 * that say the same share one list, one vars map and one location (a fleet holds every host for
 * the whole run): none of them is to be changed.
 */
export interface InventoryHost {
  name: string;
  address: TargetAddress;
  /** Absolute paths of this host's own key files; empty when the run's keys apply. */
  identityFiles: readonly string[];
  /**
   * Where the identity is written (`file:line:col`), for a key that turns out unusable: looked
   * up only then, since positions cost the inventory's whole YAML document.
   */
  identityLocation: () => string;
  /** Pinned host key fingerprints of this host alone; empty when the run's pins apply. */
  hostKeys: readonly string[];
  /** The host's own ProxyCommand and where it is written (`file:line:col`). */
  proxyCommand?: { command: string; source: string };
  tags: readonly string[];
  /** Every group the host belongs to, directly or through child groups, in file order. */
  groups: readonly string[];
  vars: Readonly<Record<string, unknown>>;
}

export interface Inventory {
  source: string;
  /** In file order. */
  hosts: InventoryHost[];
  /** Group name → its hosts (child groups' included), in file order. */
  groups: ReadonlyMap<string, readonly string[]>;
}

export interface InventoryContext {
  /** Relative key files are found from here: the inventory file's directory. */
  baseDir: string;
  home?: string;
  /** The login user when neither the host nor the defaults name one. */
  defaultUser?: () => string;
}

/** Reads and resolves an inventory file; every mistake is a SpecError naming file:line:column. */
export function loadInventory(path: string, cwd: string = process.cwd()): Inventory {
  const absolute = resolve(cwd, path);
  return parseInventory(readInputFile(path, 'inventory', cwd), path, { baseDir: dirname(absolute) });
}

/**
 * Larger inventories are read host by host only, their mistakes named from the piece that holds
 * them: the whole file's document of one would take several hundred MiB (docs/benchmarks.md).
 */
export const WHOLE_INVENTORY_MAX_BYTES = 4 * 1024 * 1024;

export function parseInventory(text: string, source: string, context: InventoryContext): Inventory {
  if (Buffer.byteLength(text, 'utf8') > WHOLE_INVENTORY_MAX_BYTES) return parseLarge(text, source, context);
  return parseInPieces(text, source, context) ?? parseWhole(text, source, context);
}

const WORDING = { shape: 'an inventory file must be a map with `hosts:` (and optionally `groups:` and `defaults:`)' };

/** The file as one document: every mistake is found and named here. */
export function parseWhole(text: string, source: string, context: InventoryContext): Inventory {
  const { value: file, where } = parseYamlInput(text, source, inventoryFileSchema(), WORDING);
  const hosts: HostEntries = { names: new Set(Object.keys(file.hosts)), entries: () => Object.entries(file.hosts) };
  return new InventoryResolver(file, hosts, source, where, context).resolve();
}

/** Thrown while reading in pieces when a piece is not what the whole file's reading would accept. */
const READ_WHOLE = Symbol('read the file whole');

/**
 * The file read host by host (read-in-pieces.ts), each host's entry checked as the whole file's
 * schema checks it and let go once resolved. Undefined for any file that is not plain, or holds a
 * mistake of any kind: the whole file's reading then finds it and names where it is.
 */
export function parseInPieces(text: string, source: string, context: InventoryContext): Inventory | undefined {
  const pieces = inventoryPieces(text);
  if (!pieces) return undefined;
  const schemas = inventoryPartSchemas();
  const rest = schemas.InventoryRestSchema.safeParse(NO_CONTENT.test(pieces.rest) ? {} : readPlainYamlMap(pieces.rest));
  if (!rest.success) return undefined;
  const names = new Set(pieces.names);
  // Numeric names come first in a parsed map's key order, not in file order; `__proto__` is no plain key.
  const unusual = (name: string) => /^\d+$/.test(name) || name === '__proto__';
  if (names.size !== pieces.names.length || pieces.names.some(unusual)) return undefined;
  function* entries(): Generator<[string, InventoryHostEntry | null]> {
    for (const [index, name] of pieces!.names.entries()) {
      const value = readPlainYamlMap(pieces!.hostText(index));
      // The host's name and entry, checked as the whole file's `hosts:` checks them.
      const checked = value === NOT_PLAIN ? undefined : schemas.InventoryOneHostSchema.safeParse({ hosts: value });
      if (!checked?.success || Object.keys(checked.data.hosts).length !== 1 || !Object.hasOwn(checked.data.hosts, name))
        throw READ_WHOLE;
      yield [name, checked.data.hosts[name] ?? null];
    }
  }
  try {
    return new InventoryResolver(rest.data, { names, entries }, source, lazyLocator(text, source), context).resolve();
  } catch (error) {
    if (error === READ_WHOLE || error instanceof SpecError) return undefined;
    throw error;
  }
}

/**
 * An inventory over WHOLE_INVENTORY_MAX_BYTES: read host by host, each piece in any YAML, every
 * mistake named here at its line (which one is named first may differ from the whole file's reading).
 */
export function parseLarge(text: string, source: string, context: InventoryContext): Inventory {
  const pieces = inventoryPieces(text);
  if (!pieces)
    throw new SpecError(
      `an inventory over ${WHOLE_INVENTORY_MAX_BYTES / 1024 / 1024} MiB is read host by host, so it is written ` +
        'with `hosts:` at column 0 and each host under it at one indentation, its name a plain word ' +
        '(letters, digits, "_", "." and "-"); split the file, or write it so',
      `${source}:${whereLayoutBreaks(text)}`,
    );
  const where = pieces.locator(source);
  const schemas = inventoryPartSchemas();
  const restValue = NO_CONTENT.test(pieces.rest) ? {} : pieces.restValue(source);
  if (restValue !== null && typeof restValue === 'object' && Object.hasOwn(restValue, 'hosts'))
    throw new SpecError('`hosts:` is written twice; list every host under one', where.inRest(['hosts']));
  const rest = validateLocated(restValue, where, schemas.InventoryRestSchema, WORDING);
  const seen = new Set<string>();
  for (const name of pieces.names) {
    if (seen.has(name))
      throw new SpecError(`host "${name}" is listed twice; list each host once`, where.at(['hosts', name]));
    if (name === '__proto__') throw new SpecError('"__proto__" cannot be a host name', where.at(['hosts', name]));
    seen.add(name);
  }
  function* entries(): Generator<[string, InventoryHostEntry | null]> {
    for (const [index, name] of pieces!.names.entries()) {
      const hosts = validateLocated(
        { hosts: pieces!.hostValue(index, source) },
        where,
        schemas.InventoryOneHostSchema,
        WORDING,
      ).hosts;
      yield [name, hosts[name] ?? null];
    }
  }
  return new InventoryResolver(rest, { names: seen, entries }, source, where, context).resolve();
}

/** Text of blank lines and comments only. */
const NO_CONTENT = /^(?:[ ]*(?:#[^\n]*)?(?:\n|$))*$/;

/** An inventory's hosts: every name first (groups name them), then each entry in turn. */
interface HostEntries {
  /** In file order. */
  names: ReadonlySet<string>;
  entries(): Iterable<readonly [string, InventoryHostEntry | null]>;
}

/** A place looked up when asked for, holding only the locator and the path. */
function locatedBy(where: Locator, path: Path): () => string {
  return () => where.at(path);
}

/** One value per key, made the first time the key is met: what many hosts say alike, held once. */
class Shared<T> {
  private readonly values = new Map<string, T>();

  get(key: string, make: () => T): T {
    let value = this.values.get(key);
    if (value === undefined) {
      value = make();
      this.values.set(key, value);
    }
    return value;
  }
}

/** A list of strings as a key that no other list has. */
const keyOf = (items: readonly (string | number)[]): string => JSON.stringify(items);

interface Member {
  name: string;
  /** Where the name is written in the group. */
  path: Path;
}

interface GroupMembers {
  hosts: Member[];
  groups: Member[];
  vars: Record<string, unknown>;
}

class InventoryResolver {
  private readonly members = new Map<string, GroupMembers>();
  /** Group → host → how many group steps away the host is (1: listed directly). */
  private readonly distances = new Map<string, Map<string, number>>();
  private readonly lists = new Shared<readonly string[]>();
  private readonly texts = new Shared<string>();
  private readonly sharedVars = new Shared<Readonly<Record<string, unknown>>>();
  private readonly locations = new Shared<() => string>();
  private readonly proxyCommands = new Shared<{ command: string; source: string }>();
  /** The login user of hosts that name none, asked of the system once (a password database lookup). */
  private unnamedUser: string | undefined;

  constructor(
    private readonly file: Omit<InventoryFile, 'hosts'>,
    private readonly hosts: HostEntries,
    private readonly source: string,
    private readonly where: Locator,
    private readonly context: InventoryContext,
  ) {}

  resolve(): Inventory {
    if (this.hosts.names.has(ALL_GROUP)) {
      this.fail(`"${ALL_GROUP}" is the implicit group of every host; choose another host name`, ['hosts', ALL_GROUP]);
    }
    const groupEntries = Object.entries(this.file.groups ?? {});
    for (const [group, entry] of groupEntries) this.members.set(group, this.readGroup(group, entry));
    for (const [group] of groupEntries) this.hostDistances(group, []);
    const hosts: InventoryHost[] = [];
    for (const [name, entry] of this.hosts.entries()) hosts.push(this.resolveHost(name, entry ?? {}));
    this.refuseDuplicateTargets(hosts);
    const groups = new Map(
      groupEntries.map(([group]) => [
        group,
        hosts.filter((h) => this.distances.get(group)!.has(h.name)).map((h) => h.name),
      ]),
    );
    return { source: this.source, hosts, groups };
  }

  private fail(message: string, path: Path): never {
    throw new SpecError(message, this.where.at(path));
  }

  private readGroup(group: string, entry: InventoryGroupEntry): GroupMembers {
    if (group === ALL_GROUP)
      this.fail(`"${ALL_GROUP}" is the implicit group of every host; choose another name`, ['groups', group]);
    if (this.hosts.names.has(group))
      this.fail(`"${group}" is both a host and a group; a name may be only one`, ['groups', group]);
    if (Array.isArray(entry)) {
      const members: GroupMembers = { hosts: [], groups: [], vars: {} };
      entry.forEach((name, i) => {
        const member = { name, path: ['groups', group, i] };
        if (this.hosts.names.has(name)) members.hosts.push(member);
        else if (Object.hasOwn(this.file.groups ?? {}, name)) members.groups.push(member);
        else this.fail(`unknown host or group "${name}"; ${this.describeNames()}`, member.path);
      });
      return members;
    }
    const hosts = (entry.hosts ?? []).map((name, i) => ({ name, path: ['groups', group, 'hosts', i] }));
    const groups = (entry.groups ?? []).map((name, i) => ({ name, path: ['groups', group, 'groups', i] }));
    for (const host of hosts) {
      if (!this.hosts.names.has(host.name)) {
        const hint = Object.hasOwn(this.file.groups ?? {}, host.name)
          ? ` ("${host.name}" is a group: list it under groups)`
          : `; ${this.describeNames()}`;
        this.fail(`unknown host "${host.name}"${hint}`, host.path);
      }
    }
    for (const child of groups) {
      if (!Object.hasOwn(this.file.groups ?? {}, child.name)) {
        const hint = this.hosts.names.has(child.name)
          ? ` ("${child.name}" is a host: list it under hosts)`
          : `; ${this.describeNames()}`;
        this.fail(`unknown group "${child.name}"${hint}`, child.path);
      }
    }
    return { hosts, groups, vars: entry.vars ?? {} };
  }

  private describeNames(): string {
    return (
      `the inventory has ${describeNameList('host', [...this.hosts.names])} and ` +
      `${describeNameList('group', Object.keys(this.file.groups ?? {}))}`
    );
  }

  /** Depth-first through child groups; a group met again on its own path is a cycle. */
  private hostDistances(group: string, path: readonly string[]): Map<string, number> {
    const known = this.distances.get(group);
    if (known) return known;
    const members = this.members.get(group)!;
    const distances = new Map<string, number>();
    for (const host of members.hosts) distances.set(host.name, 1);
    for (const child of members.groups) {
      if (child.name === group || path.includes(child.name)) {
        const cycle = [...path.slice(path.indexOf(child.name)), group, child.name];
        this.fail(`groups contain each other in a cycle: ${cycle.join(' → ')}`, child.path);
      }
      for (const [host, distance] of this.hostDistances(child.name, [...path, group])) {
        distances.set(host, Math.min(distances.get(host) ?? Infinity, distance + 1));
      }
    }
    this.distances.set(group, distances);
    return distances;
  }

  private resolveHost(name: string, entry: InventoryHostEntry): InventoryHost {
    const defaults = this.file.defaults ?? {};
    const at = (key: string): Path => (Object.hasOwn(entry, key) ? ['hosts', name, key] : ['defaults', key]);
    const groups = this.list([...this.members.keys()].filter((group) => this.distances.get(group)!.has(name)));
    const identityPath = at('identity');
    return {
      name,
      address: this.addressOf(name, entry),
      identityFiles: this.list(asList(entry.identity ?? defaults.identity).map((file) => this.keyPath(file))),
      identityLocation: this.locations.get(keyOf(identityPath), () => locatedBy(this.where, identityPath)),
      hostKeys: this.list(
        asList(entry.hostKey ?? defaults.hostKey).map((fingerprint) => this.fingerprint(fingerprint, at('hostKey'))),
      ),
      ...this.proxyCommandOf(entry, at('proxyCommand')),
      tags: this.list(entry.tags ?? []),
      groups,
      vars: this.varsOf(name, entry, groups),
    };
  }

  private list(items: readonly string[]): readonly string[] {
    return this.lists.get(keyOf(items), () => items);
  }

  private text(value: string): string {
    return this.texts.get(value, () => value);
  }

  private proxyCommandOf(entry: InventoryHostEntry, path: Path): Pick<InventoryHost, 'proxyCommand'> {
    const command = entry.proxyCommand ?? this.file.defaults?.proxyCommand;
    if (command === undefined) return {};
    const source = this.where.at(path);
    return { proxyCommand: this.proxyCommands.get(keyOf([command, source]), () => ({ command, source })) };
  }

  /**
   * The host's own url or host/user/port, then the defaults; what neither names stays marked as
   * defaulted (the current user, port 22), as for a --target URL.
   */
  private addressOf(name: string, entry: InventoryHostEntry): TargetAddress {
    const defaults = this.file.defaults ?? {};
    const defaultUser = () => (this.unnamedUser ??= (this.context.defaultUser ?? currentUser)());
    let address: TargetAddress;
    if (entry.url !== undefined) {
      const mixed = (['host', 'user', 'port'] as const).find((key) => entry[key] !== undefined);
      if (mixed)
        this.fail(`"url" and "${mixed}" exclude each other: put everything in the url, or use host, user and port`, [
          'hosts',
          name,
          mixed,
        ]);
      try {
        address = parseTargetAddress(entry.url, defaultUser);
      } catch (error) {
        if (error instanceof TargetAddressError) this.fail(`url: ${error.message}`, ['hosts', name, 'url']);
        throw error;
      }
      if (address.kind !== 'ssh') return address;
    } else {
      address = this.parseAddress(name, entry, {
        kind: 'ssh',
        host: this.text((entry.host ?? name).replace(/^\[(.*)\]$/, '$1').toLowerCase()),
        user: this.text(entry.user ?? defaultUser()),
        port: entry.port ?? 22,
        defaulted: [
          ...(entry.user === undefined ? (['user'] as const) : []),
          ...(entry.port === undefined ? (['port'] as const) : []),
        ],
      });
    }
    const defaulted = new Set(address.defaulted);
    if (defaulted.has('user') && defaults.user !== undefined) defaulted.delete('user');
    if (defaulted.has('port') && defaults.port !== undefined) defaulted.delete('port');
    const { defaulted: _defaulted, ...rest } = address;
    return {
      ...rest,
      ...(address.defaulted?.includes('user') && defaults.user !== undefined ? { user: defaults.user } : {}),
      ...(address.defaulted?.includes('port') && defaults.port !== undefined ? { port: defaults.port } : {}),
      ...(defaulted.size > 0 ? { defaulted: [...defaulted] } : {}),
    };
  }

  private parseAddress(name: string, entry: InventoryHostEntry, candidate: SshAddress): SshAddress {
    const parsed = SshAddressSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    const fromName = key === 'host' && entry.host === undefined;
    this.fail(
      fromName
        ? `the host name is used as the address but is ${issue.message}; set host: or url:`
        : `${key}: ${issue.message}`,
      fromName ? ['hosts', name] : ['hosts', name, key],
    );
  }

  private keyPath(file: string): string {
    if (file === '~' || file.startsWith('~/')) return join(this.context.home ?? homedir(), file.slice(1));
    return resolve(this.context.baseDir, file);
  }

  private fingerprint(text: string, path: Path): string {
    try {
      return parseFingerprint(text);
    } catch (error) {
      this.fail((error as Error).message, path);
    }
  }

  /**
   * defaults, then groups from the farthest to the nearest (later in the file wins a tie), then the
   * host. Hosts without vars of their own that merge the same groups in the same order share one map.
   */
  private varsOf(
    name: string,
    entry: InventoryHostEntry,
    groups: readonly string[],
  ): Readonly<Record<string, unknown>> {
    const fileOrder = [...this.members.keys()];
    const ordered = [...groups].sort(
      (a, b) =>
        this.distances.get(b)!.get(name)! - this.distances.get(a)!.get(name)! ||
        fileOrder.indexOf(a) - fileOrder.indexOf(b),
    );
    const merge = () =>
      Object.assign(
        {},
        this.file.defaults?.vars,
        ...ordered.map((group) => this.members.get(group)!.vars),
        entry.vars,
      ) as Record<string, unknown>;
    return entry.vars === undefined ? this.sharedVars.get(keyOf(ordered), merge) : merge();
  }

  private refuseDuplicateTargets(hosts: readonly InventoryHost[]): void {
    const seen = new Map<string, string>();
    for (const host of hosts) {
      const target = targetName(host.address);
      const first = seen.get(target);
      if (first !== undefined)
        this.fail(`"${host.name}" reaches the same target as "${first}" (${target}); list each host once`, [
          'hosts',
          host.name,
        ]);
      seen.set(target, host.name);
    }
  }
}

function asList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

const NAMES_SHOWN = 20;

function describeNameList(kind: string, names: readonly string[]): string {
  if (names.length === 0) return `no ${kind}s`;
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  const more = names.length > NAMES_SHOWN ? `, … (${names.length} in all)` : '';
  return `${kind}s ${shown}${more}`;
}

/** `--limit` names an unknown host or group, or selects nothing: wrong usage, not a bad file. */
export class InventoryLimitError extends Error {
  override name = 'InventoryLimitError';
}

/**
 * The hosts `--limit` selects (host names, group names or `all`; comma lists allowed), in file
 * order, each once. Without limits, every host.
 */
export function selectHosts(inventory: Inventory, limits: readonly string[]): InventoryHost[] {
  const names = limits
    .flatMap((limit) => limit.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) return inventory.hosts;
  const wanted = new Set<string>();
  for (const name of names) {
    if (name === ALL_GROUP) {
      for (const host of inventory.hosts) wanted.add(host.name);
    } else if (inventory.groups.has(name)) {
      for (const host of inventory.groups.get(name)!) wanted.add(host);
    } else if (inventory.hosts.some((host) => host.name === name)) {
      wanted.add(name);
    } else {
      const groups = [...inventory.groups.keys()];
      const hosts = inventory.hosts.map((host) => host.name);
      throw new InventoryLimitError(
        `--limit: "${name}" is neither a host nor a group of ${inventory.source}; it has ` +
          `${describeNameList('group', [ALL_GROUP, ...groups])} and ${describeNameList('host', hosts)}`,
      );
    }
  }
  const selected = inventory.hosts.filter((host) => wanted.has(host.name));
  if (selected.length === 0)
    throw new InventoryLimitError(
      `--limit ${names.join(',')} selects no hosts of ${inventory.source} (the groups named are empty)`,
    );
  return selected;
}
