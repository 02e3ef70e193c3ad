/**
 * The kernel parameters an image configures, as systemd-sysctl applies them at boot: `*.conf`
 * files of the sysctl.d directories, a name in an earlier directory masking the same name in a
 * later one, all of them in the order of their names, later assignments winning; an explicit key
 * beats every glob; `/etc/sysctl.conf` last (procps), unless a sysctl.d file already is it.
 * Pure: the probe only lists the files and their contents.
 */

/** Where systemd-sysctl looks, earliest first: a file name here masks the same name further down. */
export const SYSCTL_DIRECTORIES = [
  '/etc/sysctl.d',
  '/run/sysctl.d',
  '/usr/local/lib/sysctl.d',
  '/usr/lib/sysctl.d',
  '/lib/sysctl.d',
] as const;

export const SYSCTL_CONF = '/etc/sysctl.conf';

/**
 * A candidate file as the probe found it: a regular file, a link to /dev/null (masked), a link
 * to /etc/sysctl.conf (Debian's /etc/sysctl.d/99-sysctl.conf), or a directory named `*.conf`.
 */
export interface SysctlFile {
  path: string;
  kind: 'file' | 'masked' | 'sysctl.conf' | 'directory';
  content: string;
}

export interface SysctlAssignment {
  /** The value as systemd-sysctl writes it: blanks around it stripped. */
  value: string;
  path: string;
  line: number;
  /** Set when `path` is a link to /etc/sysctl.conf. */
  linkTo?: string;
}

/** Excluded from the globs by a `-key` line, or not set at all. */
export interface SysctlExclusion {
  excluded: true;
  path: string;
  line: number;
}

export interface SysctlConfiguration {
  /** Keys in path form (`net/ipv4/ip_forward`) → their last assignment, or an exclusion. */
  explicit: Map<string, SysctlAssignment | SysctlExclusion>;
  /** Glob patterns in path form, in the order systemd-sysctl applies them. */
  globs: Map<string, SysctlAssignment>;
}

/** The files that count, in the order they are read. */
export function filesInOrder(files: readonly SysctlFile[]): SysctlFile[] {
  const byName = new Map<string, SysctlFile>();
  for (const directory of SYSCTL_DIRECTORIES) {
    for (const file of files) {
      if (directoryOf(file.path) !== directory) continue;
      const name = file.path.slice(directory.length + 1);
      if (!byName.has(name)) byName.set(name, file);
    }
  }
  const ordered = [...byName.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, file]) => file)
    .filter((file) => file.kind === 'file' || file.kind === 'sysctl.conf');
  const main = files.find((file) => file.path === SYSCTL_CONF && file.kind === 'file');
  const alreadyRead = ordered.some((file) => file.kind === 'sysctl.conf');
  return main && !alreadyRead ? [...ordered, main] : ordered;
}

function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/** Every assignment of the files, later ones replacing earlier ones of the same key or pattern. */
export function parseSysctlFiles(files: readonly SysctlFile[]): SysctlConfiguration {
  const configuration: SysctlConfiguration = { explicit: new Map(), globs: new Map() };
  for (const file of filesInOrder(files)) {
    const lines = file.content.split('\n');
    lines.forEach((text, index) => {
      const entry = parseSysctlLine(text);
      if (entry === undefined) return;
      const where = {
        path: file.path,
        line: index + 1,
        ...(file.kind === 'sysctl.conf' ? { linkTo: SYSCTL_CONF } : {}),
      };
      const target = isGlob(entry.key) && entry.value !== undefined ? configuration.globs : configuration.explicit;
      // Map order is application order: a replaced entry moves to the end, as in systemd-sysctl.
      target.delete(entry.key);
      if (entry.value === undefined) configuration.explicit.set(entry.key, { excluded: true, ...where });
      else target.set(entry.key, { value: entry.value, ...where });
    });
  }
  return configuration;
}

/**
 * One line: `key = value`, a leading `-` (ignore errors) stripped; `-key` alone excludes the key
 * from globs (value undefined). Comments (`#`, `;`), blank lines and lines without `=` set nothing.
 */
export function parseSysctlLine(text: string): { key: string; value?: string } | undefined {
  const line = text.trim();
  if (line === '' || line.startsWith('#') || line.startsWith(';')) return undefined;
  const equals = line.indexOf('=');
  const ignoreErrors = line.startsWith('-');
  const rawKey = (equals === -1 ? line : line.slice(0, equals)).slice(ignoreErrors ? 1 : 0).trim();
  const key = sysctlKeyPath(rawKey);
  if (key === undefined) return undefined;
  if (equals === -1) return ignoreErrors ? { key } : undefined;
  return { key, value: line.slice(equals + 1).trim() };
}

/**
 * A key in path form: `net.ipv4.conf.eth0/100.rp_filter` and `net/ipv4/conf/eth0.100/rp_filter`
 * are one key. Where the first separator is `/` the key is already a path; otherwise `.` and `/`
 * swap, as systemd's sysctl_normalize does.
 */
export function sysctlKeyPath(key: string): string | undefined {
  const trimmed = key.replace(/^\/+/, '');
  if (trimmed === '') return undefined;
  const first = /[./]/.exec(trimmed)?.[0];
  if (first === '/') return trimmed;
  return trimmed.replace(/[./]/g, (separator) => (separator === '.' ? '/' : '.'));
}

function isGlob(key: string): boolean {
  return /[*?[]/.test(key);
}

/** What the image sets a key to, an exclusion, or undefined where nothing in it names the key. */
export function configuredValue(
  configuration: SysctlConfiguration,
  key: string,
): SysctlAssignment | SysctlExclusion | undefined {
  const path = sysctlKeyPath(key);
  if (path === undefined) return undefined;
  const explicit = configuration.explicit.get(path);
  if (explicit !== undefined) return explicit;
  let matched: SysctlAssignment | undefined;
  for (const [pattern, assignment] of configuration.globs) {
    if (globMatches(pattern, path)) matched = assignment;
  }
  return matched;
}

/** glob(7) on a path: `*`, `?` and `[...]` stay within one component. */
export function globMatches(pattern: string, path: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      const body = pattern.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      const members = (negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&');
      source += `[${negated ? '^/' : ''}${members}]`;
      i = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(path);
}

/** How a result names where a value was set: "/etc/sysctl.d/99-sysctl.conf line 28". */
export function describeSource(source: { path: string; line: number; linkTo?: string }): string {
  return `${source.path}${source.linkTo ? ` (a link to ${source.linkTo})` : ''} line ${source.line}`;
}
