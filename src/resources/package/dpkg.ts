import type { Frame } from '../../probe/frames.js';
import { FactError, requireRan } from '../resource.js';
import {
  failure,
  namesInMessages,
  packageFact,
  stderrOf,
  stdoutOf,
  type PackageFact,
  type PackageInstance,
  type Presence,
} from './facts.js';

/** dpkg's package status (the second letter of `db:Status-Abbrev`), see dpkg-query(1). */
const DPKG_STATUS: Record<string, { state: string; presence: Presence }> = {
  n: { state: 'not-installed', presence: 'absent' },
  c: { state: 'config-files', presence: 'absent' },
  H: { state: 'half-installed', presence: 'transitional' },
  U: { state: 'unpacked', presence: 'transitional' },
  F: { state: 'half-configured', presence: 'transitional' },
  W: { state: 'triggers-awaited', presence: 'transitional' },
  t: { state: 'triggers-pending', presence: 'transitional' },
  i: { state: 'installed', presence: 'installed' },
};

/**
 * `dpkg-query -W` takes each name as a glob and adds `:arch` to Multi-Arch: same packages, so
 * only lines whose package name (and, for a `name:arch` subject, architecture) equal the
 * subject are kept. It answers for every name it was given: lines, or "no packages found
 * matching NAME" with exit 1, dpkg's word that it has none. Any other complaint with a failing
 * exit makes the whole answer untrustworthy.
 */
export function parseDpkgQuery(frame: Frame, subject: string): PackageFact {
  const what = `dpkg-query ${subject}`;
  requireRan(frame, what);
  const notFound = namesInMessages(stderrOf(frame), /^dpkg-query: no packages found matching (.+)$/);
  if (frame.exitCode !== 0 && !(frame.exitCode === 1 && notFound !== undefined && notFound.size > 0))
    throw failure(frame, what);
  const lines = stdoutOf(frame)
    .split('\n')
    .filter((line) => line !== '');
  if (lines.length === 0 && !notFound?.has(subject))
    throw new FactError(`${what}: dpkg-query listed nothing for ${subject}`);
  const [wantedName = '', wantedArch] = splitDpkgArch(subject);
  const instances = lines
    .map((line) => parseDpkgLine(line, what))
    .filter((i) => i.name === wantedName && (wantedArch === undefined || i.architecture === wantedArch));
  return packageFact('dpkg', subject, instances, what);
}

/** Debian package names cannot hold ":", so one in a subject or output line qualifies the architecture. */
function splitDpkgArch(text: string): [string, string | undefined] {
  const colon = text.indexOf(':');
  return colon === -1 ? [text, undefined] : [text.slice(0, colon), text.slice(colon + 1)];
}

export function parseDpkgLine(line: string, what: string): PackageInstance {
  const fields = line.split('\t');
  if (fields.length !== 4) throw new FactError(`${what}: unexpected output line ${JSON.stringify(line)}`);
  const [abbrev = '', binaryPackage = '', version = '', architecture = ''] = fields;
  const status = DPKG_STATUS[abbrev.charAt(1)];
  if (abbrev.length !== 3 || !status)
    throw new FactError(`${what}: unknown package status ${JSON.stringify(abbrev)} in ${JSON.stringify(line)}`);
  const [name = ''] = splitDpkgArch(binaryPackage);
  // A set error flag (R, reinst-required) means dpkg itself considers the package broken.
  const broken = abbrev.charAt(2) === 'R';
  return {
    name,
    version,
    architecture,
    state: broken ? `${status.state}, reinstall required` : status.state,
    presence: broken && status.presence === 'installed' ? 'transitional' : status.presence,
  };
}
