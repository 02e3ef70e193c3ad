import { z } from 'zod';

/** One interface as both sources describe it. */
export const InterfaceSchema = z.object({
  name: z.string(),
  /** Administratively up (IFF_UP). */
  adminUp: z.boolean(),
  /** The kernel's operational state, lower case: up, down, unknown (loopback), lowerlayerdown, dormant … */
  operstate: z.string(),
  mtu: z.number().int(),
  /** Link-layer address, lower case; null where the link has none (tunnels). */
  mac: z.string().nullable(),
  /** "address/prefix", IPv4 first, in the kernel's order. */
  addresses: z.array(z.string()),
  /** IPv6 addresses the kernel rotates (privacy extensions): not drift. */
  temporary: z.array(z.string()),
});
export type Interface = z.infer<typeof InterfaceSchema>;

export interface InterfaceTable {
  source: 'ip' | 'sys';
  interfaces: Interface[];
  /** Why IPv4 addresses are unknown (the /sys source has none); undefined when known. */
  ipv4Unknown?: string;
}

export const IPV4_UNKNOWN_WITHOUT_IP =
  'IPv4 addresses cannot be read without `ip -j` (iproute2 4.14 or later); /sys and /proc have only the IPv6 ones';
