import type { Frame } from '../../probe/frames.js';
import { FactError, requirePart, requireRan, stderrSuffix, validateFact } from '../resource.js';
import { OpenrcServiceSchema, scriptName, type OpenrcService } from './facts.js';

/** One service's fact from the parts `rc-update`, `exists:NAME` and, where it exists, `status:NAME`. */
export function parseOpenrc(parts: ReadonlyMap<string, Frame>, name: string): OpenrcService {
  const base = scriptName(name);
  const what = `rc-service ${base} status`;
  const rcUpdate = requirePart(parts, 'rc-update', what);
  requireRan(rcUpdate, 'rc-update show -v');
  if (rcUpdate.exitCode !== 0)
    throw new FactError(`rc-update show -v exited ${rcUpdate.exitCode}${stderrSuffix(rcUpdate)}`);
  const runlevels = runlevelsOf(rcUpdate.stdout.toString('utf8'), base);
  const exists = requirePart(parts, `exists:${name}`, what);
  requireRan(exists, `rc-service --exists ${base}`);
  const status = parts.get(`status:${name}`);
  const fact = { init: 'openrc', name: base, runlevels };
  if (exists.exitCode === 1 && !status)
    return validateFact(OpenrcServiceSchema, { ...fact, exists: false, status: null }, what);
  if (exists.exitCode !== 0)
    throw new FactError(`rc-service --exists ${base} exited ${exists.exitCode}${stderrSuffix(exists)}`);
  if (!status) throw new FactError(`${what}: the output has no status of the service`);
  const result = { exitCode: status.exitCode, output: status.stdout.toString('utf8').replace(/\n+$/, '') };
  return validateFact(OpenrcServiceSchema, { ...fact, exists: true, status: result }, what);
}

/**
 * `rc-update show -v` prints " %20s | runlevel runlevel …" per service, padding absent runlevels
 * with spaces. A script's name may hold a newline, and so print a line that looks like another
 * service's: a service named on more than one line is an error, never either line's runlevels.
 */
function runlevelsOf(text: string, base: string): string[] {
  const lines = text.split('\n').filter((line) => {
    const bar = line.indexOf(' |');
    return bar !== -1 && line.slice(0, bar).trim() === base;
  });
  if (lines.length > 1) throw new FactError(`rc-update show -v lists ${base} on ${lines.length} lines`);
  const line = lines[0];
  if (line === undefined) return [];
  return line
    .slice(line.indexOf(' |') + 2)
    .split(/\s+/)
    .filter(Boolean);
}
