import type { Frame } from '../../probe/frames.js';
import { FactError, requireRan } from '../resource.js';
import { failure, stderrOf, stdoutOf } from './facts.js';
import { integrityFact, linesOf, verifyProblems, type IntegrityFact, type VerifyLine } from './integrity-facts.js';

/**
 * `rpm -V` (rpm(8), lib/verify.c): `S.5....T.  c /etc/x`, `missing   c /etc/x`, the path perhaps
 * followed by ` (strerror)` or a file state ` (replaced)`. The attribute letter is c (%config),
 * d (%doc), g (%ghost), l (%license), r (%readme), a (%artifact) or a space.
 */
const RPM_VERIFY_LINE = /^(?:missing {3}([cdglra ]) |([SM5DLUGTP.?]{9}) {2}([cdglra ]) )(\/.*?)(?: \(([^()]+)\))?$/;
const NOT_INSTALLED = /^package (.+) is not installed$/;
/** The file states rpm -V may append (lib/verify.c); any other text in parentheses is a strerror. */
const FILE_STATES = new Set(['replaced', 'not installed', 'wrong color', 'net shared']);

export function parseRpmVerifyLine(line: string, what: string): VerifyLine | undefined {
  const match = RPM_VERIFY_LINE.exec(line);
  if (!match) throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
  const [, missingAttribute, flags, attribute, path = '', note] = match;
  if (missingAttribute !== undefined) {
    // rpm adds strerror when lstat failed for another reason than ENOENT (`(Permission denied)`):
    // the file may well be there, unchecked.
    const unchecked = note !== undefined && !FILE_STATES.has(note);
    return { path, conffile: missingAttribute === 'c', problems: [unchecked ? 'unreadable' : 'missing'] };
  }
  // A line for a file state alone (`.........    /x (replaced)`) names no difference.
  if (flags === '.........') return undefined;
  return { path, conffile: attribute === 'c', problems: verifyProblems(flags ?? '', line, what) };
}

/**
 * `rpm -V --nodeps --nomtime` exits non-zero when a file differs, so the exit status is no
 * evidence: only lines that parse are. A package that is not installed cannot be verified.
 */
export function readRpmVerify(frame: Frame, what: string): VerifyLine[] {
  requireRan(frame, what);
  const stderr = stderrOf(frame);
  if (stderr !== '') throw failure(frame, what);
  const lines = linesOf(stdoutOf(frame));
  const absent = lines.find((line) => NOT_INSTALLED.test(line));
  if (absent) throw new FactError(`${what}: ${absent}, so its files cannot be verified`);
  if (frame.exitCode !== 0 && lines.length === 0) throw failure(frame, what);
  return lines.map((line) => parseRpmVerifyLine(line, what)).filter((l): l is VerifyLine => l !== undefined);
}

/** `PATH<TAB>NAME…` per path that differs (`rpm -qf --qf '%{NAME} '`; nothing after the tab: no owner). */
export function readRpmOwners(frame: Frame, what: string): Map<string, string[]> {
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw failure(frame, what);
  const owners = new Map<string, string[]>();
  for (const line of linesOf(stdoutOf(frame))) {
    const tab = line.lastIndexOf('\t');
    if (tab < 1) throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
    const names = line
      .slice(tab + 1)
      .split(' ')
      .filter((n) => n !== '');
    owners.set(line.slice(0, tab), names);
  }
  return owners;
}

export function rpmIntegrity(
  lines: readonly VerifyLine[],
  ownerOf: (path: string) => string | null,
  what: string,
): IntegrityFact {
  const findings = lines.map((l) => ({ ...l, package: ownerOf(l.path) }));
  return integrityFact({ manager: 'rpm', findings, unverifiable: [] }, what);
}
