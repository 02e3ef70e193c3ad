import { decodeProcAddress } from '../port/addresses.js';
import { FactError } from '../resource.js';
import type { Route } from './facts.js';

const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;
const RTF_CACHE = 0x01000000;
const RTF_LOCAL = 0x80000000;
const NO_METRIC = 0xffffffff;

/** /proc/net/route: Iface Destination Gateway Flags RefCnt Use Metric Mask …, addresses in the host's byte order. */
export function parseProcRoute(lines: readonly string[], littleEndian: boolean): Route[] {
  return lines
    .filter((line) => line.trim() !== '' && !line.startsWith('Iface'))
    .flatMap((line) => {
      const f = line.trim().split(/\s+/);
      if (
        f.length < 8 ||
        ![f[1], f[2], f[7]].every((x) => /^[0-9A-F]{8}$/i.test(x ?? '')) ||
        !/^[0-9A-F]+$/i.test(f[3]!)
      )
        throw new FactError(`reading /proc/net/route: unexpected line ${JSON.stringify(line.slice(0, 200))}`);
      const flags = Number.parseInt(f[3]!, 16);
      const prefix = maskBits(f[7]!);
      const network = decodeProcAddress(f[1]!, littleEndian);
      return [
        {
          family: 'ipv4' as const,
          destination: prefix === 0 ? 'default' : `${network}/${prefix}`,
          gateways: flags & RTF_GATEWAY ? [decodeProcAddress(f[2]!, littleEndian)] : [],
          devices: f[0] === '*' ? [] : [f[0]!],
          metric: Number(f[6]),
          type: ipv4Type(flags, f[0]!),
        },
      ];
    });
}

/**
 * A route without a device ("*") drops what it matches: with RTF_REJECT it answers (unreachable or
 * prohibit, which /proc does not tell apart), without it silently (blackhole).
 */
function ipv4Type(flags: number, device: string): string {
  if (flags & RTF_REJECT) return 'unreachable';
  return device === '*' ? 'blackhole' : 'unicast';
}

function maskBits(hex: string): number {
  let bits = Number.parseInt(hex, 16);
  let count = 0;
  while (bits) {
    count += bits & 1;
    bits >>>= 1;
  }
  return count;
}

/**
 * /proc/net/ipv6_route: destination, prefix, source, source prefix, next hop, metric, refcnt,
 * use, flags, device (hex, network order). It holds every table: local addresses, cached routes,
 * ff00::/8 and the kernel's catch-all reject entry are left out, as `ip -6 route` (main table) leaves them.
 */
export function parseProcIpv6Route(lines: readonly string[]): Route[] {
  return lines
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const f = line.trim().split(/\s+/);
      if (f.length !== 10 || !/^[0-9a-f]{32}$/i.test(f[0]!) || !/^[0-9a-f]{32}$/i.test(f[4]!))
        throw new FactError(`reading /proc/net/ipv6_route: unexpected line ${JSON.stringify(line.slice(0, 200))}`);
      const flags = Number.parseInt(f[8]!, 16);
      const metric = Number.parseInt(f[5]!, 16);
      if (flags & (RTF_LOCAL | RTF_CACHE)) return [];
      if (flags & RTF_REJECT && metric === NO_METRIC) return [];
      const prefix = Number.parseInt(f[1]!, 16);
      // The kernel's multicast route lives in the local table, which `ip -6 route` does not show.
      if (prefix === 8 && f[0]!.startsWith('ff00')) return [];
      const gateway = decodeProcAddress(f[4]!, false);
      return [
        {
          family: 'ipv6' as const,
          destination: prefix === 0 ? 'default' : `${decodeProcAddress(f[0]!, false)}/${prefix}`,
          gateways: flags & RTF_GATEWAY ? [gateway] : [],
          devices: [f[9]!],
          metric,
          type: flags & RTF_REJECT ? 'unreachable' : 'unicast',
        },
      ];
    });
}
