import { FactError } from '../resource.js';
import type { AccountDatabase } from './entries.js';

// The whole-table format of the accounts snapshot (src/drift): a line `@@<database> table`, the
// entries, then `@@exit <status>`. Checks read nested parts instead (./lookup.ts).

export function tableSectionScript(database: AccountDatabase): string {
  const read = `if ds_has getent; then getent ${database}; else cat /etc/${database}; fi`;
  return `echo '@@${database} table'\n${read}\nprintf '\\n@@exit %s\\n' "$?"`;
}

export interface DatabaseSection {
  database: string;
  mode: 'lookup' | 'table';
  exitCode: number;
  lines: string[];
  /** The names a lookup asked for, when the section lists them. */
  keys: string[];
}

/** Splits a frame's stdout into sections; blank lines carry nothing and are dropped. */
export function parseSections(text: string, what: string): DatabaseSection[] {
  const sections: DatabaseSection[] = [];
  let open: Omit<DatabaseSection, 'exitCode'> | undefined;
  for (const line of text.split('\n')) {
    const start = /^@@(\w+) (lookup|table)$/.exec(line);
    const end = /^@@exit (\d+)$/.exec(line);
    if (start) {
      if (open) throw new FactError(`${what}: unexpected output (section ${open.database} has no exit status)`);
      open = { database: start[1]!, mode: start[2] as DatabaseSection['mode'], lines: [], keys: [] };
    } else if (open && line.startsWith('@@key ')) {
      open.keys.push(line.slice('@@key '.length));
    } else if (end) {
      if (!open) throw new FactError(`${what}: unexpected output (an exit status outside any section)`);
      sections.push({ ...open, exitCode: Number(end[1]) });
      open = undefined;
    } else if (line !== '') {
      if (!open) throw new FactError(`${what}: unexpected output ${JSON.stringify(line.slice(0, 200))}`);
      open.lines.push(line);
    }
  }
  if (open) throw new FactError(`${what}: the output stopped inside the ${open.database} section`);
  return sections;
}

/** The entries of a section; comment and NIS compat lines ("+", "-") of /etc files are skipped. */
export function entryLines(section: DatabaseSection): string[] {
  return section.lines.filter((line) => !/^[#+-]/.test(line));
}

/**
 * The one section of a database. An entry that holds a newline (a field from a directory service
 * through getent) could print a whole forged section ahead of the real one: a database with two
 * sections is an error, never either section's entries.
 */
export function requireSection(sections: DatabaseSection[], database: string, what: string): DatabaseSection {
  const found = sections.filter((s) => s.database === database);
  if (found.length > 1) throw new FactError(`${what}: the output has ${found.length} ${database} sections`);
  if (!found[0]) throw new FactError(`${what}: the ${database} section is missing from the output`);
  return found[0];
}
