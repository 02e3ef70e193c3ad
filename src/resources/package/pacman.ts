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
} from './facts.js';

/**
 * `pacman -Qi` describes every name it was given, or says "error: package 'NAME' was not found"
 * and exits 1. For a name no package has exactly it falls back to a package that provides the
 * name (`pacman -Qi sh` shows bash), so only blocks whose Name: equals the subject count.
 */
export function parsePacmanQuery(frame: Frame, subject: string): PackageFact {
  const what = `pacman -Qi ${subject}`;
  requireRan(frame, what);
  const notFound = namesInMessages(stderrOf(frame), /^error: package '(.*)' was not found$/);
  if (frame.exitCode !== 0 && !(frame.exitCode === 1 && notFound !== undefined && notFound.size > 0))
    throw failure(frame, what);
  const stdout = stdoutOf(frame);
  if (stdout.trim() === '' && notFound?.has(subject)) return packageFact('pacman', subject, [], what);
  const instances = parsePacmanInfo(stdout, what).filter((i) => i.name === subject);
  return packageFact('pacman', subject, instances, what);
}

export function parsePacmanInfo(text: string, what: string): PackageInstance[] {
  const packages: PackageInstance[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const match = /^(\S[^:]*?)\s*: (.*)$/.exec(line);
      if (match) fields.set(match[1]!, match[2]!.trim());
    }
    if (fields.size === 0) continue;
    const name = fields.get('Name');
    const version = fields.get('Version');
    if (!name || !version) throw new FactError(`${what}: unexpected output ${JSON.stringify(block.slice(0, 200))}`);
    packages.push({
      name,
      version,
      architecture: fields.get('Architecture') ?? '',
      state: 'installed',
      presence: 'installed',
    });
  }
  if (packages.length === 0) throw new FactError(`${what}: exited 0 without describing any package`);
  return packages;
}
