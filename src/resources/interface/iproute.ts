import { z } from 'zod';
import { FactError, validateFact } from '../resource.js';
import type { Interface } from './facts.js';

const AddrInfoSchema = z.object({
  family: z.string(),
  local: z.string().optional(),
  prefixlen: z.number().int().optional(),
  temporary: z.boolean().optional(),
});

const LinkSchema = z.object({
  ifname: z.string(),
  flags: z.array(z.string()),
  mtu: z.number().int(),
  operstate: z.string(),
  link_type: z.string().optional(),
  address: z.string().optional(),
  addr_info: z.array(z.union([AddrInfoSchema, z.object({}).passthrough()])).default([]),
});

/** `ip -j addr show` as iproute2 prints it (recorded: test/fixtures/recorded/network-*). */
export function parseIpAddr(json: string): Interface[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new FactError(`reading \`ip -j addr\`: not JSON (${(error as Error).message})`);
  }
  const links = validateFact(z.array(LinkSchema), value, 'reading `ip -j addr`');
  return links.map((link) => {
    const infos = link.addr_info.filter(
      (info): info is z.infer<typeof AddrInfoSchema> =>
        typeof (info as { local?: unknown }).local === 'string' &&
        typeof (info as { prefixlen?: unknown }).prefixlen === 'number',
    );
    const cidr = (info: z.infer<typeof AddrInfoSchema>) => `${info.local}/${info.prefixlen}`;
    const byFamily = (family: string) => infos.filter((info) => info.family === family);
    return {
      name: link.ifname,
      adminUp: link.flags.includes('UP'),
      operstate: link.operstate.toLowerCase(),
      mtu: link.mtu,
      mac: link.address && link.link_type !== 'none' ? link.address.toLowerCase() : null,
      addresses: [...byFamily('inet'), ...byFamily('inet6')].map(cidr),
      temporary: byFamily('inet6')
        .filter((info) => info.temporary === true)
        .map(cidr),
    };
  });
}
