import type { Frame } from '../../probe/frames.js';
import { FactError, requirePart, requireRan, validateFact } from '../resource.js';
import { scriptName, SYSV_START_DIRS, SysvServiceSchema, type SysvService } from './facts.js';

/**
 * One init script's fact from the parts `start-links` (every start link, NUL-separated),
 * `script:NAME` (present, absent or not-executable) and, where present, `status:NAME`.
 */
export function parseSysv(parts: ReadonlyMap<string, Frame>, name: string): SysvService {
  const base = scriptName(name);
  const what = `/etc/init.d/${base} status`;
  const links = requirePart(parts, 'start-links', what);
  requireRan(links, what);
  const startLinks = links.stdout
    .toString('utf8')
    .split('\0')
    .filter((path) => isStartLinkFor(path, base));
  const script = requirePart(parts, `script:${name}`, what);
  requireRan(script, what);
  const state = script.stdout.toString('utf8').trim();
  if (state === 'not-executable') throw new FactError(`/etc/init.d/${base} exists but is not an executable file`);
  const fact = { init: 'sysvinit', name: base, startLinks };
  const status = parts.get(`status:${name}`);
  if (state === 'absent' && script.exitCode === 1 && !status)
    return validateFact(SysvServiceSchema, { ...fact, script: 'absent', status: null }, what);
  if (state !== 'present' || script.exitCode !== 0) {
    throw new FactError(`${what}: unexpected script state ${JSON.stringify(state)} (exit ${script.exitCode})`);
  }
  if (!status) throw new FactError(`${what}: the output has no status of the script`);
  const result = { exitCode: status.exitCode, output: status.stdout.toString('utf8').replace(/\n+$/, '') };
  return validateFact(SysvServiceSchema, { ...fact, script: 'present', status: result }, what);
}

function isStartLinkFor(path: string, base: string): boolean {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash);
  const file = path.slice(slash + 1);
  return (SYSV_START_DIRS as readonly string[]).includes(dir) && /^S\d\d/.test(file) && file.slice(3) === base;
}
