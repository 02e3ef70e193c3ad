import { z } from 'zod';
import { attribute, defineResource, FactError, NoOptions, predicate } from '../resource.js';
import { ListMatcherSchema, type ListExpectation } from '../process/list-matchers.js';
import { addressKey, normaliseAddress } from './addresses.js';
import { describeSocket, listenerQuery, portQuery } from './select.js';
import { PORT_PROTOCOLS } from './sockets.js';
import type { PortFact, PortProtocol, SocketFamily } from './sockets.js';

export { decodeProcAddress, formatIPv6, normaliseAddress } from './addresses.js';
export { parseSocketTable } from './proc-net.js';
export { selectPort } from './select.js';
export * from './sockets.js';

// ---------------------------------------------------------------------------------------------
// Matchers
// ---------------------------------------------------------------------------------------------

const ListeningArgs = z
  .object({
    protocol: z.enum(PORT_PROTOCOLS).optional(),
    address: z
      .string()
      .transform((text, ctx) => {
        const address = normaliseAddress(text);
        if (address === undefined) {
          ctx.addIssue({ code: 'custom', message: `not an IPv4 or IPv6 address: ${JSON.stringify(text)}` });
          return z.NEVER;
        }
        return address;
      })
      .optional(),
  })
  .strict();
type ListeningArgs = z.infer<typeof ListeningArgs>;

function protocolMatches(family: SocketFamily, protocol: PortProtocol | undefined): boolean {
  return protocol === undefined || family === protocol || family.slice(0, 3) === protocol;
}

function describeListening(args: { protocol?: string | undefined; address?: string | undefined }): string {
  return `be listening${args.protocol ? ` on ${args.protocol}` : ''}${args.address ? ` at ${args.address}` : ''}`;
}

function nothingListens(fact: PortFact): { absent: string } {
  return { absent: `nothing listens on port ${fact.port}` };
}

function sortedSockets(fact: PortFact): string[] {
  return [...new Set(fact.sockets.map(describeSocket))].sort();
}

export const portResource = defineResource({
  type: 'port',
  summary:
    'A TCP or UDP port on the target: whether something listens on it, on which addresses, ' +
    'and which processes hold it.',
  subject: z.union([
    z.number().int().min(1, 'a port is 1..65535').max(65535, 'a port is 1..65535'),
    z
      .string()
      .regex(/^\d{1,5}$/, 'a port is a number 1..65535')
      .transform(Number)
      .pipe(z.number().int().min(1, 'a port is 1..65535').max(65535, 'a port is 1..65535')),
  ]),
  options: NoOptions,
  title: (port: number) => `port ${port}`,
  facts: {
    listeners: (port: number) => listenerQuery(port),
    sockets: (port: number) => portQuery(port),
  },
  matchers: {
    listening: predicate<PortFact, ListeningArgs>({
      fact: 'listeners',
      needsRunningSystem: true,
      args: ListeningArgs,
      describe: describeListening,
      test: (fact, args) => {
        if (fact.sockets.length === 0) return { pass: false, actual: `nothing listens on port ${fact.port}` };
        const address = args.address === undefined ? undefined : addressKey(args.address);
        const matching = fact.sockets.filter(
          (s) =>
            protocolMatches(s.family, args.protocol) && (address === undefined || addressKey(s.address) === address),
        );
        const all = sortedSockets(fact).join(', ');
        if (matching.length === 0) return { pass: false, actual: `it listens only on ${all}` };
        return { pass: true, actual: `it listens on ${all}` };
      },
    }),
    addresses: attribute<PortFact, ListExpectation>({
      fact: 'listeners',
      needsRunningSystem: true,
      describe: 'listen on addresses',
      expected: ListMatcherSchema,
      read: (fact) => (fact.sockets.length === 0 ? nothingListens(fact) : sortedSockets(fact)),
    }),
    process: attribute<PortFact, ListExpectation>({
      fact: 'sockets',
      needsRunningSystem: true,
      describe: 'be held by processes',
      expected: ListMatcherSchema,
      read: (fact) => {
        if (fact.sockets.length === 0) return nothingListens(fact);
        if (fact.sockets.some((s) => s.processes === null))
          throw new FactError(fact.ownerProblem ?? `the processes holding port ${fact.port} are not known`);
        return [...new Set(fact.sockets.flatMap((s) => s.processes!))].sort();
      },
    }),
  },
  shortcuts: {
    /** `port(22).heldBy('sshd')` is `process: { contains: [sshd] }`. */
    heldBy: (...names: string[]) => ({ matcher: 'process', args: { contains: names } }),
  },
});
