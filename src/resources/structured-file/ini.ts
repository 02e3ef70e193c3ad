import { FactError } from '../resource.js';

/**
 * An INI file as a map: keys before the first `[section]` at the top, each section a map of its
 * keys. Read as most INI readers do (PHP, git, systemd's unit parser for single values): lines
 * whose first non-blank character is `;` or `#` are comments; `key = value` or `key: value`
 * (the first `=` or `:`), blanks around key and value dropped; a key without a value (my.cnf's
 * `skip-name-resolve`) has the empty value; a section given twice is one section; a key given
 * twice in a section: the last one wins. Inline comments and continuation lines are not read:
 * they are part of the value.
 */
export function parseIniDocument(text: string, path: string): Record<string, unknown> {
  const document: Record<string, unknown> = Object.create(null);
  const sectionLines = new Map<string, number>();
  const rootLines = new Map<string, number>();
  let section: Record<string, string> | undefined;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    const number = index + 1;
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const name = /^\[([^\]]*)\]$/.exec(line)?.[1]?.trim();
      if (name === undefined)
        throw new FactError(`${path}:${number}:1: a section header is "[name]", not ${quoted(line)}`);
      if (rootLines.has(name))
        throw new FactError(
          `${path}:${number}:1: section [${name}] has the name of the key on line ${rootLines.get(name)}`,
        );
      section = (document[name] as Record<string, string> | undefined) ?? Object.create(null);
      document[name] = section;
      sectionLines.set(name, number);
      continue;
    }
    const at = line.search(/[=:]/);
    const key = (at === -1 ? line : line.slice(0, at)).trim();
    const value = at === -1 ? '' : line.slice(at + 1).trim();
    if (key === '') throw new FactError(`${path}:${number}:1: a line with a value but no key: ${quoted(line)}`);
    if (section) {
      section[key] = value;
      continue;
    }
    if (sectionLines.has(key))
      throw new FactError(
        `${path}:${number}:1: key ${key} has the name of the section on line ${sectionLines.get(key)}`,
      );
    document[key] = value;
    rootLines.set(key, number);
  }
  return document;
}

function quoted(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
}
