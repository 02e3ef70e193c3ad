import type { Frame } from '../../probe/frames.js';
import { FactError, requireRan } from '../resource.js';
import { failure, packageFact, stderrOf, stdoutOf, type PackageFact, type PackageInstance } from './facts.js';

/**
 * Reads the P: (name), V: (version) and A: (architecture) lines of apk's installed database,
 * one blank-line separated record per installed package.
 */
export function parseApkDatabase(frame: Frame, subject: string): PackageFact {
  const what = `reading the apk installed database for ${subject}`;
  requireRan(frame, what);
  const stdout = stdoutOf(frame);
  // grep exits 1 when no line matched: a database without a single package.
  const empty = frame.exitCode === 1 && stdout === '' && stderrOf(frame) === '';
  if (frame.exitCode !== 0 && !empty) throw failure(frame, what);
  const instances = parseApkRecords(stdout, what).filter((i) => i.name === subject);
  return packageFact('apk', subject, instances, what);
}

export function parseApkRecords(text: string, what: string): PackageInstance[] {
  const records: PackageInstance[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (line === '') continue;
      if (!/^[PVA]:/.test(line)) throw new FactError(`${what}: unexpected line ${JSON.stringify(line)}`);
      fields.set(line.charAt(0), line.slice(2));
    }
    if (fields.size === 0) continue;
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version)
      throw new FactError(`${what}: a database record without P: or V: (${JSON.stringify(block.slice(0, 200))})`);
    records.push({ name, version, architecture: fields.get('A') ?? '', state: 'installed', presence: 'installed' });
  }
  return records;
}
