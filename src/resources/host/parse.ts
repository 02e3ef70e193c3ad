import { isIP } from 'node:net';
import type { Frame } from '../../probe/frames.js';
import { FactError, requireRan, stderrSuffix } from '../resource.js';
import { NO_TCP_TOOL } from './query.js';

export type Resolution = { resolvable: false } | { resolvable: true; addresses: string[] };

/** `getent ahosts NAME`: "ADDRESS STREAM|DGRAM|RAW [CANONICAL]" lines; exit 2 is "no such name". */
export function parseAhosts(frame: Frame, name: string): Resolution {
  const what = `resolving ${name} with getent ahosts`;
  requireRan(frame, what);
  if (frame.exitCode === 2) return { resolvable: false };
  if (frame.exitCode !== 0) throw new FactError(`${what}: exited ${frame.exitCode}${stderrSuffix(frame)}`);
  const addresses: string[] = [];
  for (const line of frame.stdout.toString('utf8').split('\n')) {
    if (line === '') continue;
    const address = line.split(/\s+/)[0] ?? '';
    if (isIP(address) === 0) throw new FactError(`${what}: unexpected line ${JSON.stringify(line.slice(0, 200))}`);
    if (!addresses.includes(address)) addresses.push(address);
  }
  if (addresses.length === 0) throw new FactError(`${what}: it succeeded but listed no address`);
  return { resolvable: true, addresses };
}

export type Reach = { reachable: true; tool: string } | { reachable: false; tool: string; reason: string };

/** The reach query's `@@tool`, messages and `@@exit` (see reachScript). */
export function parseReach(frame: Frame, target: string, timeout: number): Reach {
  const what = `connecting to ${target}`;
  requireRan(frame, what);
  if (frame.exitCode === NO_TCP_TOOL) throw new FactError(`${what}${stderrSuffix(frame)}`);
  const lines = frame.stdout.toString('utf8').split('\n');
  const tool = /^@@tool (bash|nc)$/.exec(lines[0] ?? '')?.[1];
  const exit = /^@@exit (\d+)$/.exec(lines.filter((l) => l !== '').at(-1) ?? '');
  if (frame.exitCode !== 0 || !tool || !exit)
    throw new FactError(`${what}: unexpected output (exit ${frame.exitCode})${stderrSuffix(frame)}`);
  const status = Number(exit[1]);
  const messages = lines
    .slice(1, -1)
    .filter((l) => l !== '' && !l.startsWith('@@exit'))
    .join(' / ');
  if (status === 0) return { reachable: true, tool };
  if (status === 124) return { reachable: false, tool, reason: `no connection within ${timeout} s` };
  if (status === 127 || status === 126 || /No such file or directory/.test(messages))
    throw new FactError(`${what}: ${tool} could not try (exit ${status})${messages ? `: ${messages}` : ''}`);
  if (status !== 1) throw new FactError(`${what}: ${tool} exited ${status}${messages ? `: ${messages}` : ''}`);
  return { reachable: false, tool, reason: messages || 'the connection failed' };
}
