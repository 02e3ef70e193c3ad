import { z } from 'zod';

export const ROUTE_FAMILIES = ['ipv4', 'ipv6'] as const;
export type RouteFamily = (typeof ROUTE_FAMILIES)[number];

/** One route of the main table; `destination` is "default" or "network/prefix". */
export const RouteSchema = z.object({
  family: z.enum(ROUTE_FAMILIES),
  destination: z.string(),
  /** Next hops' gateways: none for a directly connected route, several for a multipath one. */
  gateways: z.array(z.string()),
  devices: z.array(z.string()),
  metric: z.number().int(),
  /** unicast, unreachable, blackhole, prohibit, … */
  type: z.string(),
});
export type Route = z.infer<typeof RouteSchema>;

export interface RouteTable {
  source: 'ip' | 'proc';
  routes: Route[];
  /** Whether the kernel has IPv6 at all; without it no IPv6 route can be judged. */
  ipv6: boolean;
}
