import { decodeProcAddress } from '../port/addresses.js';
import { FactError } from '../resource.js';
import type { Interface } from './facts.js';

const IFF_UP = 0x1;
/** IFA_F_TEMPORARY in /proc/net/if_inet6's flags column. */
const IFA_F_TEMPORARY = 0x01;

interface SysLink {
  name: string;
  values: Map<string, string>;
}

/**
 * The /sys branch of the interface query: `@@if NAME` blocks of `flags=`, `operstate=`, `mtu=`,
 * `address=` lines, then `@@inet6` and /proc/net/if_inet6 (recorded with `ip` hidden from PATH).
 */
export function parseSysInterfaces(lines: readonly string[]): Interface[] {
  const links: SysLink[] = [];
  const inet6 = new Map<string, { address: string; temporary: boolean }[]>();
  let section: 'links' | 'inet6' = 'links';
  for (const line of lines) {
    if (line === '') continue;
    const block = /^@@if (\S+)$/.exec(line);
    if (block) {
      links.push({ name: block[1]!, values: new Map() });
      section = 'links';
    } else if (line === '@@inet6') {
      section = 'inet6';
    } else if (section === 'inet6') {
      const entry = readInet6Line(line);
      inet6.set(entry.device, [...(inet6.get(entry.device) ?? []), entry]);
    } else {
      const value = /^(flags|operstate|mtu|address)=(.*)$/.exec(line);
      const link = links.at(-1);
      if (!value || !link)
        throw new FactError(`reading /sys/class/net: unexpected line ${JSON.stringify(line.slice(0, 200))}`);
      link.values.set(value[1]!, value[2]!);
    }
  }
  return links.map((link) => toInterface(link, inet6.get(link.name) ?? []));
}

function toInterface(link: SysLink, inet6: readonly { address: string; temporary: boolean }[]): Interface {
  const flags = Number.parseInt(link.values.get('flags') ?? '', 16);
  const mtu = Number(link.values.get('mtu'));
  if (!Number.isFinite(flags) || !Number.isInteger(mtu) || link.values.get('mtu') === '')
    throw new FactError(`reading /sys/class/net/${link.name}: its flags or mtu could not be read`);
  const mac = link.values.get('address') ?? '';
  return {
    name: link.name,
    adminUp: (flags & IFF_UP) !== 0,
    operstate: (link.values.get('operstate') ?? 'unknown') || 'unknown',
    mtu,
    mac: mac === '' ? null : mac.toLowerCase(),
    addresses: inet6.map((entry) => entry.address),
    temporary: inet6.filter((entry) => entry.temporary).map((entry) => entry.address),
  };
}

/** `00000000000000000000000000000001 01 80 10 80       lo`: address, index, prefix, scope, flags, device (hex). */
function readInet6Line(line: string): { device: string; address: string; temporary: boolean } {
  const fields = line.trim().split(/\s+/);
  if (fields.length !== 6 || !/^[0-9a-f]{32}$/i.test(fields[0]!))
    throw new FactError(`reading /proc/net/if_inet6: unexpected line ${JSON.stringify(line.slice(0, 200))}`);
  const address = decodeProcAddress(fields[0]!, false);
  return {
    device: fields[5]!,
    address: `${address}/${Number.parseInt(fields[2]!, 16)}`,
    temporary: (Number.parseInt(fields[4]!, 16) & IFA_F_TEMPORARY) !== 0,
  };
}
