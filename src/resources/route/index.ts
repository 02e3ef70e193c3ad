import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import type { ValueExpectation } from '../../matchers/value.js';
import { isLittleEndian } from '../port/proc-net.js';
import {
  attribute,
  defineResource,
  FactError,
  NoArgs,
  predicate,
  requireRan,
  stderrSuffix,
  type FactQuery,
} from '../resource.js';
import { ROUTE_FAMILIES, type Route, type RouteFamily, type RouteTable } from './facts.js';
import { canonicalDestination, parseIpRoutes } from './iproute.js';
import { parseProcIpv6Route, parseProcRoute } from './proc.js';
import { NO_ROUTE_SOURCE, ROUTES_SCRIPT } from './query.js';

export { ROUTES_SCRIPT } from './query.js';
export { canonicalDestination } from './iproute.js';
export type { Route, RouteFamily, RouteTable } from './facts.js';

const SOURCES = { ip: '`ip -j route`', proc: '/proc/net/route' } as const;

/** The main routing table of both families, whichever source answered. */
export function parseRouteTable(frame: Frame, host: HostFacts): RouteTable {
  const what = 'listing the routes';
  requireRan(frame, what);
  if (frame.exitCode === NO_ROUTE_SOURCE) throw new FactError(`${what}${stderrSuffix(frame)}`);
  if (frame.exitCode !== 0) throw new FactError(`${what}: exited ${frame.exitCode}${stderrSuffix(frame)}`);
  const lines = frame.stdout.toString('utf8').split('\n');
  const source = /^@@source (ip|proc)$/.exec(lines[0] ?? '')?.[1] as 'ip' | 'proc' | undefined;
  const marker = lines.findIndex((line) => line === '@@ipv6' || line === '@@no-ipv6');
  if (!source || marker === -1)
    throw new FactError(`${what}: unexpected output ${JSON.stringify((lines[0] ?? '').slice(0, 200))}`);
  const ipv4Lines = lines.slice(1, marker);
  const ipv6Lines = lines.slice(marker + 1);
  const ipv6 = lines[marker] === '@@ipv6';
  if (source === 'ip') {
    const v6 = ipv6 ? parseIpRoutes(ipv6Lines.join('\n'), 'ipv6') : [];
    return { source, routes: [...parseIpRoutes(ipv4Lines.join('\n'), 'ipv4'), ...v6], ipv6 };
  }
  const v4 = parseProcRoute(ipv4Lines, isLittleEndian(undefined, host));
  return { source, routes: [...v4, ...(ipv6 ? parseProcIpv6Route(ipv6Lines) : [])], ipv6 };
}

export const RouteOptionsSchema = z
  .object({
    /** Which family's table; by default the destination's own, and IPv4 for "default". */
    family: z.enum(ROUTE_FAMILIES, { error: 'ipv4 or ipv6' }).optional(),
  })
  .strict();
export type RouteOptions = z.infer<typeof RouteOptionsSchema>;

export type RouteFact =
  | { exists: false; source: string; family: RouteFamily; unsupported?: string }
  | { exists: true; source: string; route: Route; others: number };

export function routeFamily(destination: string, options: RouteOptions): RouteFamily {
  return options.family ?? (destination.includes(':') ? 'ipv6' : 'ipv4');
}

/** The route the kernel prefers for a destination: of the entries for it, the one with the lowest metric. */
export function routeFactFor(table: RouteTable, destination: string, options: RouteOptions): RouteFact {
  const family = routeFamily(destination, options);
  const source = SOURCES[table.source];
  const wanted = canonicalDestination(destination, family);
  if (family === 'ipv6' && !table.ipv6) throw new FactError('the target has no IPv6 (no /proc/net/ipv6_route)');
  if (wanted === undefined)
    throw new FactError(`${JSON.stringify(destination)} is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} destination`);
  const matching = table.routes
    .filter((route) => route.family === family && route.destination === wanted)
    .sort((a, b) => a.metric - b.metric);
  const [route, ...others] = matching;
  return route ? { exists: true, source, route, others: others.length } : { exists: false, source, family };
}

function routeQuery(destination: string, options: RouteOptions): FactQuery<RouteFact> {
  return {
    key: 'routes',
    script: ROUTES_SCRIPT,
    parse: (frame, host) => routeFactFor(parseRouteTable(frame, host), destination, options),
  };
}

function noSuch(fact: { source: string; family: RouteFamily }): string {
  return `there is no such ${fact.family} route (per ${fact.source})`;
}

/** One value where the route has one next hop, the list for a multipath route. */
function hopValue(values: readonly string[], none: string): string | readonly string[] | { absent: string } {
  if (values.length === 0) return { absent: none };
  return values.length === 1 ? values[0]! : values;
}

function readRoute<T>(pick: (route: Route) => T) {
  return (fact: RouteFact) => (fact.exists ? pick(fact.route) : { absent: noSuch(fact) });
}

export const routeResource = defineResource({
  type: 'route',
  summary:
    "A route of the target's main routing table (IPv4 or IPv6): whether it exists, its gateway, device and metric.",
  subject: z
    .string()
    .refine((d) => canonicalDestination(d) !== undefined, 'a destination: "default", an address or "network/prefix"'),
  options: RouteOptionsSchema,
  title: (destination: string) => `route ${destination}`,
  facts: { table: (destination: string, options: RouteOptions) => routeQuery(destination, options) },
  matchers: {
    exists: predicate<RouteFact, Record<string, never>>({
      fact: 'table',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) =>
        fact.exists
          ? { pass: true, actual: `it exists (${describeRoute(fact.route)})` }
          : { pass: false, actual: noSuch(fact) },
    }),
    gateway: attribute<RouteFact, string | ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have gateway',
      read: readRoute((route) => hopValue(route.gateways, 'it has no gateway (a directly connected route)')),
    }),
    device: attribute<RouteFact, string | ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'go through device',
      read: readRoute((route) => hopValue(route.devices, 'it names no device')),
    }),
    metric: attribute<RouteFact, number | ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have metric',
      read: readRoute((route) => route.metric),
    }),
    routeType: attribute<RouteFact, string | ValueExpectation>({
      fact: 'table',
      needsRunningSystem: true,
      describe: 'have route type',
      read: readRoute((route) => route.type),
    }),
  },
});

export function describeRoute(route: Route): string {
  const via = route.gateways.length ? ` via ${route.gateways.join(', ')}` : '';
  const dev = route.devices.length ? ` dev ${route.devices.join(', ')}` : '';
  return `${route.destination}${via}${dev} metric ${route.metric}`;
}
