import type { Frame } from '../../probe/frames.js';
import { FactError, requireRan } from '../resource.js';
import { failure, stdoutOf } from './facts.js';
import {
  integrityFact,
  linesOf,
  verifyProblems,
  type IntegrityFact,
  type IntegrityFinding,
  type Unverifiable,
  type VerifyLine,
} from './integrity-facts.js';

/**
 * `dpkg --verify` (dpkg(1), format rpm): `??5??????   /usr/bin/ls`, `????????? c /etc/sudoers`
 * (unreadable), `missing   c /etc/x`: result letters or "missing", a space, `c` for a conffile or a
 * space, a space, the path. It exits 0 whether or not files differ; 1 for a name not installed.
 */
const DPKG_VERIFY_LINE = /^(missing {2}|[SM5DLUGTP.?]{9}) ([c ]) (\/.*)$/;

export function parseDpkgVerifyLine(line: string, what: string): VerifyLine {
  const match = DPKG_VERIFY_LINE.exec(line);
  if (!match) throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
  const [, flags = '', attribute = '', path = ''] = match;
  const problems = flags.startsWith('missing') ? (['missing'] as const) : verifyProblems(flags, line, what);
  return { path, conffile: attribute === 'c', problems: [...problems] };
}

/** The verify part of one package or of the whole system; any other exit or complaint is not evidence. */
export function readDpkgVerify(frame: Frame, what: string): VerifyLine[] {
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw failure(frame, what);
  return linesOf(stdoutOf(frame)).map((line) => parseDpkgVerifyLine(line, what));
}

/**
 * `grep -HFx -f - /var/lib/dpkg/info/*.list` over the paths that differ: `<dir>/NAME[:ARCH].list:PATH`
 * per owner (grep exits 1 when no path matched). A path more than one package lists has each.
 */
export function readDpkgOwners(frame: Frame, what: string): Map<string, string[]> {
  requireRan(frame, what);
  if (frame.exitCode !== 0 && frame.exitCode !== 1) throw failure(frame, what);
  const owners = new Map<string, string[]>();
  for (const line of linesOf(stdoutOf(frame))) {
    const at = line.indexOf('.list:');
    if (at === -1) throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
    const name = line.slice(line.lastIndexOf('/', at) + 1, at).replace(/:[^:]*$/, '');
    const path = line.slice(at + '.list:'.length);
    owners.set(path, [...(owners.get(path) ?? []), name]);
  }
  return owners;
}

/** `NAME[:ARCH]<TAB>FILE` per package with a regular file but no md5sums to check it against. */
export function readDpkgUnverifiable(frame: Frame, what: string): Unverifiable[] {
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw failure(frame, what);
  return linesOf(stdoutOf(frame)).map((line) => {
    const tab = line.indexOf('\t');
    if (tab < 1) throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
    return { package: line.slice(0, tab).replace(/:[^:]*$/, ''), file: line.slice(tab + 1) };
  });
}

export function dpkgIntegrity(
  lines: readonly VerifyLine[],
  ownerOf: (path: string) => string | null,
  unverifiable: Unverifiable[],
  what: string,
): IntegrityFact {
  const findings: IntegrityFinding[] = lines.map((l) => ({ ...l, package: ownerOf(l.path) }));
  return integrityFact({ manager: 'dpkg', findings, unverifiable }, what);
}
