import { z } from 'zod';
import { normaliseAddress } from '../port/addresses.js';
import { FactError, validateFact } from '../resource.js';
import type { Route, RouteFamily } from './facts.js';

const NextHopSchema = z.object({ gateway: z.string().optional(), dev: z.string().optional() });

const IpRouteSchema = z.object({
  type: z.string().optional(),
  dst: z.string(),
  gateway: z.string().optional(),
  dev: z.string().optional(),
  metric: z.number().int().optional(),
  nexthops: z.array(NextHopSchema).optional(),
});

/** `ip -j -4|-6 route show` as iproute2 prints it (recorded: test/fixtures/recorded/network-*). */
export function parseIpRoutes(json: string, family: RouteFamily): Route[] {
  const what = `reading \`ip -j ${family === 'ipv4' ? '-4' : '-6'} route\``;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new FactError(`${what}: not JSON (${(error as Error).message})`);
  }
  return validateFact(z.array(IpRouteSchema), value, what).map((route) => {
    const hops = route.nexthops ?? [{ gateway: route.gateway, dev: route.dev }];
    return {
      family,
      destination: canonicalDestination(route.dst, family) ?? route.dst,
      gateways: hops.flatMap((hop) => (hop.gateway ? [hop.gateway] : [])),
      devices: hops.flatMap((hop) => (hop.dev ? [hop.dev] : [])),
      metric: route.metric ?? 0,
      type: route.type ?? 'unicast',
    };
  });
}

/**
 * "default", or "network/prefix" with the prefix always written (iproute2 leaves out /32 and
 * /128) and the address in its one spelling; undefined for anything else.
 */
export function canonicalDestination(text: string, family?: RouteFamily): string | undefined {
  if (text === 'default') return 'default';
  const [address = '', prefix, ...rest] = text.split('/');
  const normal = normaliseAddress(address);
  if (normal === undefined || rest.length > 0 || address.startsWith('[')) return undefined;
  const own: RouteFamily = normal.includes(':') ? 'ipv6' : 'ipv4';
  if (family !== undefined && own !== family) return undefined;
  const bits = own === 'ipv4' ? 32 : 128;
  const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(length >= 0 && length <= bits)) return undefined;
  return length === 0 ? 'default' : `${normal}/${length}`;
}
