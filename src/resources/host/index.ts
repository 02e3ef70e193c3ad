import { z } from 'zod';
import type { ValueExpectation } from '../../matchers/value.js';
import { attribute, defineResource, FactError, NoArgs, predicate, type FactQuery } from '../resource.js';
import { parseAhosts, parseReach, type Reach, type Resolution } from './parse.js';
import { reachScript, resolveScript } from './query.js';

export { parseAhosts, parseReach } from './parse.js';
export { reachScript, resolveScript } from './query.js';

export const DEFAULT_REACH_TIMEOUT = 5;

export const HostOptionsSchema = z
  .object({
    /** The TCP port `reachable` connects to. */
    port: z.number().int().min(1, 'a port is 1..65535').max(65535, 'a port is 1..65535').optional(),
    /** Seconds the connection may take (default 5). */
    timeout: z.number().int().positive().max(300).optional(),
  })
  .strict();
export type HostOptions = z.infer<typeof HostOptionsSchema>;

/** A host name or an address; never starting with "-", so no tool reads it as an option. */
export const HostNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_:.][A-Za-z0-9_:.-]{0,252}$/, 'a host name or IP address (letters, digits, ".", "-", "_", ":")');

function resolveQuery(name: string): FactQuery<Resolution> {
  return { key: `host-resolve:${name}`, script: resolveScript(name), parse: (frame) => parseAhosts(frame, name) };
}

function reachQuery(name: string, options: HostOptions): FactQuery<Reach> {
  const timeout = options.timeout ?? DEFAULT_REACH_TIMEOUT;
  const { port } = options;
  if (port === undefined)
    return {
      key: 'host-reach:no-port',
      script: 'true',
      parse: () => {
        throw new FactError('reachable needs the TCP port to try: give the option port');
      },
    };
  return {
    key: `host-reach:${timeout}:${port}:${name}`,
    script: reachScript(name, port, timeout),
    parse: (frame) => parseReach(frame, `${name} port ${port}`, timeout),
  };
}

export const hostResource = defineResource({
  type: 'host',
  dslName: 'remoteHost',
  summary:
    "Another host as the target sees it: resolvable through the target's own resolver, its addresses, " +
    'reachable on a TCP port within a timeout.',
  subject: HostNameSchema,
  options: HostOptionsSchema,
  title: (name: string) => `host ${name}`,
  facts: {
    resolution: (name: string) => resolveQuery(name),
    reach: (name: string, options: HostOptions) => reachQuery(name, options),
  },
  matchers: {
    resolvable: predicate<Resolution, Record<string, never>>({
      fact: 'resolution',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be resolvable',
      test: (fact) =>
        fact.resolvable
          ? { pass: true, actual: `it resolves to ${fact.addresses.join(', ')}` }
          : { pass: false, actual: "the target's resolver does not know it (getent ahosts exit 2)" },
    }),
    addresses: attribute<Resolution, ValueExpectation>({
      fact: 'resolution',
      needsRunningSystem: true,
      describe: 'resolve to addresses',
      read: (fact) =>
        fact.resolvable ? fact.addresses : { absent: "the target's resolver does not know it (getent ahosts exit 2)" },
    }),
    reachable: predicate<Reach, Record<string, never>>({
      fact: 'reach',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be reachable',
      test: (fact) =>
        fact.reachable
          ? { pass: true, actual: `a TCP connection succeeded (${fact.tool})` }
          : { pass: false, actual: `no TCP connection: ${fact.reason} (${fact.tool})` },
    }),
  },
});
