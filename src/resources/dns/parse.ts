import type { Frame } from '../../probe/frames.js';
import { normaliseAddress } from '../port/addresses.js';
import { FactError, requireRan, stderrSuffix } from '../resource.js';
import { NO_DNS_TOOL, type Lookup } from './query.js';

export interface DnsAnswer {
  tool: 'dig' | 'host';
  /** The response code: NOERROR or NXDOMAIN (anything else is an error, never an answer). */
  status: 'NOERROR' | 'NXDOMAIN';
  records: string[];
}

export function parseLookup(frame: Frame, lookup: Lookup): DnsAnswer {
  const what = `looking up ${lookup.type} ${lookup.name}${lookup.server ? ` at ${lookup.server}` : ''}`;
  requireRan(frame, what);
  if (frame.exitCode === NO_DNS_TOOL) throw new FactError(`${what}${stderrSuffix(frame)}`);
  const lines = frame.stdout.toString('utf8').split('\n');
  const tool = /^@@tool (dig|host)$/.exec(lines[0] ?? '')?.[1];
  if (tool === 'dig') return { tool, ...parseDig(lines.slice(1), frame, what, lookup.type) };
  if (tool === 'host') return { tool, ...parseHost(lines.slice(1), frame, what, lookup.type) };
  throw new FactError(`${what}: unexpected output (exit ${frame.exitCode})${stderrSuffix(frame)}`);
}

/** host(1) names the server it asked before answering: not part of the answer. */
const HOST_PREAMBLE = /^(Using domain server:|Name: |Address: |Aliases:)/;

function failure(frame: Frame, what: string, lines: readonly string[]): FactError {
  const said = lines
    .filter((l) => l.trim() !== '' && !l.startsWith(';; ->>') && !HOST_PREAMBLE.test(l))
    .slice(0, 3)
    .join(' / ');
  return new FactError(`${what}: exited ${frame.exitCode}${said ? `: ${said}` : ''}${stderrSuffix(frame)}`);
}

/** `dig +noall +comments +answer`: the `->>HEADER<<-` status, then `NAME TTL CLASS TYPE RDATA` lines. */
function parseDig(lines: readonly string[], frame: Frame, what: string, type: string): Omit<DnsAnswer, 'tool'> {
  const status = /status: ([A-Z]+)/.exec(lines.find((l) => l.includes('->>HEADER<<-')) ?? '')?.[1];
  if (frame.exitCode !== 0 || status === undefined) throw failure(frame, what, lines);
  if (status !== 'NOERROR' && status !== 'NXDOMAIN') throw new FactError(`${what}: the server answered ${status}`);
  const records = lines
    .filter((l) => l.trim() !== '' && !l.startsWith(';'))
    .flatMap((line) => {
      const record = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
      if (!record) throw new FactError(`${what}: unexpected answer line ${JSON.stringify(line.slice(0, 200))}`);
      return record[4] === type ? [canonicalRecord(type, record[5]!)] : [];
    });
  return { status, records };
}

const HOST_PHRASES: Record<string, RegExp> = {
  A: / has address (\S+)$/,
  AAAA: / has IPv6 address (\S+)$/,
  MX: / mail is handled by (\d+ \S+)$/,
  TXT: / descriptive text (.*)$/,
  CNAME: / is an alias for (\S+)$/,
  NS: / name server (\S+)$/,
  PTR: / domain name pointer (\S+)$/,
};

/** host(1): one phrase per record type; "not found: 3(NXDOMAIN)" and "has no T record" are answers. */
function parseHost(lines: readonly string[], frame: Frame, what: string, type: string) {
  const phrase = HOST_PHRASES[type];
  if (!phrase) throw new FactError(`${what}: host(1)'s output for ${type} records is not read; install dig`);
  if (lines.some((l) => / not found: 3\(NXDOMAIN\)/.test(l))) return { status: 'NXDOMAIN' as const, records: [] };
  if (frame.exitCode !== 0) throw failure(frame, what, lines);
  const records = lines.flatMap((line) => {
    const record = phrase.exec(line);
    return record ? [canonicalRecord(type, record[1]!)] : [];
  });
  return { status: 'NOERROR' as const, records };
}

/** One spelling for both tools: names without the final dot, TXT strings joined and unquoted, IPv6 in RFC 5952 form. */
export function canonicalRecord(type: string, data: string): string {
  const text = data.trim();
  if (type === 'TXT')
    return [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1')).join('');
  if (type === 'A' || type === 'AAAA') return normaliseAddress(text) ?? text;
  return text.replace(/\.$/, '');
}
