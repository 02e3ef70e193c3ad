import type { Frame } from '../../probe/frames.js';
import { partScript, partsScript } from '../../probe/parts.js';
import { shellQuote } from '../../probe/quote.js';
import { FactError, firstLines, groupedQuery, requireRan, type FactQuery } from '../resource.js';
import { entryName, looksNumeric, type AccountDatabase } from './entries.js';
import type { DatabaseSection } from './sections.js';

// Account lookups, shared by user and group. Each database is one part: `lookup:<db>` is
// `getent <db> -- NAME…` (exit 2: some name was not found) with part `keys:<db>` naming what was
// asked; `table:<db>` is the whole database (`getent <db>`, or /etc/<db> where there is no
// getent), filtered to the exact name here. Entries are the tool's own lines; no line of ours is
// among them, so none can be taken for an exit status or another lookup.

/** The parts that look `names` up, grouped in one `getent` (none of them looks numeric). */
export function lookupParts(database: AccountDatabase, names: readonly string[]): string[] {
  const quoted = names.map(shellQuote).join(' ');
  const lookup = [
    partScript(`keys:${database}`, `printf '%s\\n' ${quoted}`, { inline: true }),
    partScript(`lookup:${database}`, `getent ${database} -- ${quoted}`),
  ].join('\n');
  return [`if ds_has getent; then\n${lookup}\nelse\n${partScript(`table:${database}`, `cat /etc/${database}`)}\nfi`];
}

/** The part holding the whole database. */
export function tablePart(database: AccountDatabase): string {
  return partScript(`table:${database}`, `if ds_has getent; then getent ${database}; else cat /etc/${database}; fi`);
}

/** One name: grouped lookup parts, or the whole table where the name looks numeric. */
export function nameParts(database: AccountDatabase, name: string): string[] {
  return looksNumeric(name) ? [tablePart(database)] : lookupParts(database, [name]);
}

/** The fact query of one account lookup: grouped with the other names unless it looks numeric. */
export function accountLookupQuery<F>(
  database: AccountDatabase,
  name: string,
  parse: FactQuery<F>['parse'],
): FactQuery<F> {
  const key = `${database === 'passwd' ? 'user' : 'group'}:${name}`;
  if (looksNumeric(name)) return { key, script: partsScript([tablePart(database)]), parse };
  const script = (names: readonly string[]) => partsScript(lookupParts(database, names));
  return groupedQuery(key, { key: `${database}-lookup`, member: name, script }, parse);
}

/** A database's lookup or table part as a section; blank lines carry nothing and are dropped. */
export function readSection(
  parts: ReadonlyMap<string, Frame>,
  database: AccountDatabase | 'shadow',
  what: string,
): DatabaseSection & { stderr: string } {
  const lookup = parts.get(`lookup:${database}`);
  const part = lookup ?? parts.get(`table:${database}`);
  if (!part) throw new FactError(`${what}: the ${database} part is missing from the output`);
  requireRan(part, what);
  const keys = lookup ? linesOf(parts.get(`keys:${database}`)) : [];
  return {
    database,
    mode: lookup ? 'lookup' : 'table',
    exitCode: part.exitCode,
    lines: linesOf(part),
    keys,
    stderr: part.stderr.toString('utf8').trim(),
  };
}

function linesOf(part: Frame | undefined): string[] {
  return (part?.stdout.toString('utf8') ?? '').split('\n').filter((line) => line !== '');
}

/** The entry line for exactly `name`, or why there is none; anything that is not evidence throws. */
export function findEntryLine(
  section: DatabaseSection,
  name: string,
  stderr: string,
  what: string,
): { line: string } | { absent: string } {
  const tool = section.mode === 'lookup' ? `getent ${section.database}` : `reading the ${section.database} database`;
  if (section.exitCode === 127)
    throw new FactError(`${what}: ${tool}: command not found on the target (exit 127)${stderr ? `: ${stderr}` : ''}`);
  if (section.exitCode !== 0 && !(section.mode === 'lookup' && section.exitCode === 2)) {
    throw new FactError(`${what}: ${tool} exited ${section.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  }
  const exact = section.lines.find((line) => entryName(line) === name);
  if (exact !== undefined) return { line: exact };
  const absent = { absent: `there is no ${section.database} entry named ${JSON.stringify(name)}` };
  if (section.mode === 'table') return absent;
  // Exit 2: some key was not found. Which one is certain only when every entry answers a key.
  const keys = new Set(section.keys.length > 0 ? section.keys : [name]);
  if (section.exitCode === 2 && section.lines.every((line) => keys.has(entryName(line)))) return absent;
  // A name service that answers with another entry (a key read as an id, a case-insensitive
  // directory) says nothing about whether `name` itself exists.
  const names = section.lines.map((line) => JSON.stringify(entryName(line))).join(', ');
  throw new FactError(
    `${what}: getent ${section.database} -- ${JSON.stringify(name)} ` +
      `answered with ${names || 'nothing'}, not that exact name`,
  );
}
