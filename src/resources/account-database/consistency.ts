import type { Frame } from '../../probe/frames.js';
import { parseGroupLine, parsePasswdLine, type GroupEntry, type PasswdEntry } from '../accounts/index.js';
import { FactError, firstLines, requireRan } from '../resource.js';

/** A user of /etc/passwd and what its password field says (never the field itself). */
export interface LocalUser extends PasswdEntry {
  /** `x`: the password is in /etc/shadow; `empty`: no password at all; `other`: a hash in passwd. */
  passwordField: 'x' | 'empty' | 'other';
}

/** A /etc/shadow entry by name: only whether its password is empty, locked or set. */
export type ShadowState = 'empty' | 'locked' | 'set';

export interface AccountFiles {
  users: LocalUser[];
  groups: GroupEntry[];
  /** Read only for the checks that need it. */
  shadow?: Map<string, ShadowState>;
}

/** NIS compat lines (`+`, `-`) are not local accounts. */
function accountLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '' && !/^[+-]/.test(line));
}

export function parsePasswdFile(text: string, what: string): LocalUser[] {
  return accountLines(text).map((line) => {
    const field = line.split(':')[1] ?? '';
    const passwordField = field === 'x' ? 'x' : field === '' ? 'empty' : 'other';
    return { ...parsePasswdLine(line, what), passwordField };
  });
}

export function parseGroupFile(text: string, what: string): GroupEntry[] {
  return accountLines(text).map((line) => parseGroupLine(line, what));
}

/** The probe's `name:state` lines (awk over /etc/shadow: the hashes never leave the target). */
export function parseShadowStates(text: string, what: string): Map<string, ShadowState> {
  const states = new Map<string, ShadowState>();
  accountLines(text).forEach((line, index) => {
    const match = /^([^:]+):(empty|locked|set)$/.exec(line);
    // The line is not quoted: whatever printed it, it may hold a password hash.
    if (!match) throw new FactError(`${what}: shadow state line ${index + 1} is not "name:empty|locked|set"`);
    states.set(match[1]!, match[2] as ShadowState);
  });
  return states;
}

/** A file part of the query: its text, or why it could not be read. */
export function fileText(part: Frame, file: string, what: string): string {
  requireRan(part, what);
  if (part.exitCode !== 0) {
    const stderr = part.stderr.toString('utf8').trim();
    throw new FactError(`${what}: ${file} could not be read${stderr ? `: ${firstLines(stderr, 2)}` : ''}`);
  }
  return part.stdout.toString('utf8');
}

/** Values held by more than one owner: `0: root, toor`. */
export function duplicates<T>(items: readonly T[], key: (item: T) => string | number, name: (item: T) => string) {
  const owners = new Map<string | number, string[]>();
  for (const item of items) owners.set(key(item), [...(owners.get(key(item)) ?? []), name(item)]);
  return [...owners].filter(([, names]) => names.length > 1).map(([value, names]) => `${value}: ${names.join(', ')}`);
}
