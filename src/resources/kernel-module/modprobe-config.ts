import { moduleName } from './proc-modules.js';

/** Where modprobe.d(5) reads configuration: a file name in an earlier directory hides the same name in a later one. */
export const MODPROBE_DIRECTORIES = [
  '/etc/modprobe.d',
  '/run/modprobe.d',
  '/usr/local/lib/modprobe.d',
  '/lib/modprobe.d',
  '/usr/lib/modprobe.d',
] as const;

export interface ModprobeFile {
  path: string;
  content: string;
}

/** What modprobe's configuration says about modules, by normalised name. */
export interface ModprobeConfig {
  /** Where each `blacklist` line is (`file line N`, or `modprobe --showconfig`). */
  blacklisted: Map<string, string>;
  /** The install command that counts for each module (the first one, as kmod reads them). */
  install: Map<string, { command: string; source: string }>;
}

/**
 * The files in the order modprobe reads them: every `*.conf` of the directories, a name in an
 * earlier directory hiding the same name in a later one, all sorted by file name.
 */
export function configFilesInOrder(files: readonly ModprobeFile[]): ModprobeFile[] {
  const byName = new Map<string, ModprobeFile>();
  for (const directory of MODPROBE_DIRECTORIES) {
    for (const file of files) {
      if (file.path.slice(0, file.path.lastIndexOf('/')) !== directory) continue;
      const name = file.path.slice(directory.length + 1);
      if (!byName.has(name)) byName.set(name, file);
    }
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, file]) => file);
}

/**
 * modprobe.d lines: `#` comments, a `\` at the end of a line continues it; `blacklist NAME` and
 * `install NAME COMMAND…`; every other command (alias, options, softdep, remove) is not read.
 * `source` names where a text came from, for the results.
 */
export function parseModprobeText(text: string, source: (line: number) => string, into: ModprobeConfig): void {
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const start = index;
    let line = lines[index]!;
    while (line.endsWith('\\') && index + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++index]}`;
    const words = line.trim().split(/\s+/);
    if (words[0] === undefined || words[0].startsWith('#') || words.length < 2) continue;
    const name = moduleName(words[1]!);
    if (words[0] === 'blacklist' && !into.blacklisted.has(name)) into.blacklisted.set(name, source(start + 1));
    if (words[0] === 'install' && words.length > 2 && !into.install.has(name))
      into.install.set(name, { command: words.slice(2).join(' '), source: source(start + 1) });
  }
}

export function emptyConfig(): ModprobeConfig {
  return { blacklisted: new Map(), install: new Map() };
}

export function configFromFiles(files: readonly ModprobeFile[]): ModprobeConfig {
  const config = emptyConfig();
  for (const file of configFilesInOrder(files))
    parseModprobeText(file.content, (line) => `${file.path} line ${line}`, config);
  return config;
}

/** What `modprobe --showconfig` prints after the configuration: the module indexes (aliases), not read. */
const INDEX_DUMP = '\n# End of configuration files. Dumping indexes now:';

export function configFromShowconfig(text: string): ModprobeConfig {
  const config = emptyConfig();
  const end = text.indexOf(INDEX_DUMP);
  parseModprobeText(end === -1 ? text : text.slice(0, end), () => 'modprobe --showconfig', config);
  return config;
}

/** The commands CIS and modprobe users write to keep a module from loading. */
const DISABLING_COMMANDS = new Set(['/bin/true', '/bin/false', '/usr/bin/true', '/usr/bin/false', 'true', 'false']);

export function disablesLoading(command: string): boolean {
  return DISABLING_COMMANDS.has(command.trim());
}
