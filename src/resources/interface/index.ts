import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import type { ValueExpectation } from '../../matchers/value.js';
import {
  attribute,
  defineResource,
  FactError,
  NoArgs,
  NoOptions,
  predicate,
  requireRan,
  stderrSuffix,
  type FactQuery,
} from '../resource.js';
import { IPV4_UNKNOWN_WITHOUT_IP, type Interface, type InterfaceTable } from './facts.js';
import { parseIpAddr } from './iproute.js';
import { INTERFACES_SCRIPT, NO_INTERFACE_SOURCE } from './query.js';
import { parseSysInterfaces } from './sysfs.js';

export { INTERFACES_SCRIPT } from './query.js';
export type { Interface, InterfaceTable } from './facts.js';

export type InterfaceFact =
  | { exists: false; source: string }
  | { exists: true; source: string; link: Interface; ipv4Unknown?: string };

const SOURCES = { ip: '`ip -j addr`', sys: '/sys/class/net' } as const;

/** The whole interface table, whichever source answered. */
export function parseInterfaceTable(frame: Frame): InterfaceTable {
  const what = 'listing the network interfaces';
  requireRan(frame, what);
  if (frame.exitCode === NO_INTERFACE_SOURCE) throw new FactError(`${what}${stderrSuffix(frame)}`);
  if (frame.exitCode !== 0) throw new FactError(`${what}: exited ${frame.exitCode}${stderrSuffix(frame)}`);
  const text = frame.stdout.toString('utf8');
  const newline = text.indexOf('\n');
  const header = newline === -1 ? text : text.slice(0, newline);
  const body = newline === -1 ? '' : text.slice(newline + 1);
  if (header === '@@source ip') return { source: 'ip', interfaces: parseIpAddr(body) };
  if (header === '@@source sys')
    return { source: 'sys', interfaces: parseSysInterfaces(body.split('\n')), ipv4Unknown: IPV4_UNKNOWN_WITHOUT_IP };
  throw new FactError(`${what}: unexpected output ${JSON.stringify(header.slice(0, 200))}`);
}

export function interfaceFactFor(table: InterfaceTable, name: string): InterfaceFact {
  const source = SOURCES[table.source];
  const link = table.interfaces.find((candidate) => candidate.name === name);
  if (!link) return { exists: false, source };
  return table.ipv4Unknown
    ? { exists: true, source, link, ipv4Unknown: table.ipv4Unknown }
    : { exists: true, source, link };
}

/** One query lists every interface; the engine parses it once per interface checked. */
function tableQuery(name: string): FactQuery<InterfaceFact> {
  return {
    key: 'interfaces',
    script: INTERFACES_SCRIPT,
    parse: (frame) => interfaceFactFor(parseInterfaceTable(frame), name),
  };
}

/** Linux's own rule (dev_valid_name): 1..15 bytes, not "." or "..", no "/", ":" or blank. */
export const InterfaceNameSchema = z
  .string()
  .refine((n) => n.length > 0 && Buffer.byteLength(n) <= 15, 'an interface name is 1 to 15 bytes')
  .refine((n) => n !== '.' && n !== '..' && !/[/:\s\0]/.test(n), 'an interface name has no "/", ":" or blanks');

function readLink<T extends string | number | readonly string[] | null>(pick: (link: Interface) => T) {
  return (fact: InterfaceFact) =>
    fact.exists ? (pick(fact.link) ?? { absent: 'it has no link-layer address' }) : { absent: noSuch(fact) };
}

function noSuch(fact: { source: string }): string {
  return `there is no such interface (per ${fact.source})`;
}

/** Up means administratively up and not down in operation; loopback and some virtual links say "unknown". */
function isUp(link: Interface): boolean {
  return link.adminUp && (link.operstate === 'up' || link.operstate === 'unknown');
}

export const interfaceResource = defineResource({
  type: 'interface',
  dslName: 'networkInterface',
  summary: 'A network interface of a running target: whether it exists and is up, its addresses, MTU and MAC.',
  subject: InterfaceNameSchema,
  options: NoOptions,
  title: (name: string) => `interface ${name}`,
  facts: { table: (name: string) => tableQuery(name) },
  matchers: {
    exists: predicate<InterfaceFact, Record<string, never>>({
      fact: 'table',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) => (fact.exists ? { pass: true, actual: 'it exists' } : { pass: false, actual: noSuch(fact) }),
    }),
    up: predicate<InterfaceFact, Record<string, never>>({
      fact: 'table',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be up',
      test: (fact) => {
        if (!fact.exists) return { pass: false, actual: noSuch(fact) };
        const admin = fact.link.adminUp ? 'administratively up' : 'administratively down';
        return { pass: isUp(fact.link), actual: `it is ${admin}, operstate ${fact.link.operstate}` };
      },
    }),
    operstate: attribute<InterfaceFact, string | ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have operstate',
      read: readLink((link) => link.operstate),
    }),
    mtu: attribute<InterfaceFact, number | ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have MTU',
      read: readLink((link) => link.mtu),
    }),
    mac: attribute<InterfaceFact, string | ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have MAC address',
      read: readLink((link) => link.mac),
      coerce: (value) => (typeof value === 'string' ? value.toLowerCase() : value),
    }),
    addresses: attribute<InterfaceFact, ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have addresses',
      read: (fact) => {
        if (!fact.exists) return { absent: noSuch(fact) };
        if (fact.ipv4Unknown) throw new FactError(fact.ipv4Unknown);
        return fact.link.addresses;
      },
    }),
  },
  shortcuts: {
    /** `networkInterface('eth0').hasAddress('10.0.0.2/24')` is `addresses: { contains: ['10.0.0.2/24'] }`. */
    hasAddress: (...addresses: string[]) => ({ matcher: 'addresses', args: { contains: addresses } }),
  },
});
