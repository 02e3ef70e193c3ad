import { createSocket, type Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';

/**
 * A small authoritative DNS server over UDP for the dns resource's tests: it answers the records
 * of its zone, NXDOMAIN for other names and REFUSED for a name under `refused.`; enough for dig
 * and host(1), nothing more (no TCP, no compression of answers, one question per query).
 */
export interface ZoneRecord {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'NS';
  data: string;
}

const TYPE_CODES = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 } as const;

export interface DnsServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

export async function startDnsServer(
  records: readonly ZoneRecord[],
  address = '127.0.0.1',
  port = 0,
): Promise<DnsServer> {
  const socket: Socket = createSocket(isIPv4(address) ? 'udp4' : 'udp6');
  socket.on('message', (query, peer) => {
    const reply = answer(query, records);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
  return {
    address,
    port: socket.address().port,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (message[at]! !== 0) {
    const length = message[at]!;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

function rdata(record: ZoneRecord): Buffer {
  switch (record.type) {
    case 'A':
      return Buffer.from(record.data.split('.').map(Number));
    case 'AAAA': {
      const [head = '', tail = ''] = record.data.split('::');
      const h = head ? head.split(':') : [];
      const t = tail ? tail.split(':') : [];
      const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
      return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
    }
    case 'MX': {
      const [preference = '0', exchange = ''] = record.data.split(' ');
      const pref = Buffer.alloc(2);
      pref.writeUInt16BE(Number(preference));
      return Buffer.concat([pref, encodeName(exchange)]);
    }
    case 'TXT':
      return Buffer.concat([Buffer.from([Buffer.byteLength(record.data)]), Buffer.from(record.data)]);
    default:
      return encodeName(record.data);
  }
}

function answer(query: Buffer, records: readonly ZoneRecord[]): Buffer | undefined {
  if (query.length < 12) return undefined;
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const code = (type: ZoneRecord['type']) => TYPE_CODES[type];
  const known = records.filter((r) => r.name === name);
  const cname = known.find((r) => r.type === 'CNAME');
  const chain =
    cname && qtype !== TYPE_CODES.CNAME
      ? [cname, ...records.filter((r) => r.name === cname.data && code(r.type) === qtype)]
      : known.filter((r) => code(r.type) === qtype);
  const rcode = name.endsWith('refused') ? 5 : known.length === 0 ? 3 : 0;
  const answers = rcode === 0 ? chain : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const body = answers.map((r) => {
    const data = rdata(r);
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(code(r.type), 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(300, 4);
    fixed.writeUInt16BE(data.length, 8);
    return Buffer.concat([encodeName(r.name), fixed, data]);
  });
  return Buffer.concat([header, question, ...body]);
}
