import type { Frame } from '../../probe/frames.js';
import { FactError, readFileParts, readParts, requirePart, stderrSuffix } from '../resource.js';
import { parseCrontab, type CronEntry } from './crontab.js';
import { CRON_D, NO_SPOOL, PERIODIC_DIRECTORIES, SPOOL_DENIED, SYSTEM_CRONTAB, USER_SPOOL } from './query.js';

export interface CronFile {
  path: string;
  entries: CronEntry[];
  /** Lines that are neither blank, comments, settings nor jobs: cron skips them. */
  invalid: number[];
}

/** Everything cron reads on a host, as one query found it. */
export interface CronTables {
  files: CronFile[];
  /** Why the user crontabs are not known (not root); undefined where they were read. */
  spoolUnknown?: string;
  /** The periodic directories that exist, with their executable scripts' names. */
  periodic: Map<string, string[]>;
}

/** cron reads a file of /etc/cron.d only when its name is letters, digits, `_` and `-` (run-parts' rule). */
const CRON_D_NAME = /^[A-Za-z0-9_-]+$/;

export function parseCronTables(frame: Frame): CronTables {
  const what = 'reading the crontabs';
  const parts = readParts(frame, what);
  const spool = requirePart(parts, 'spool', what);
  if (spool.exitCode !== 0 && spool.exitCode !== NO_SPOOL && spool.exitCode !== SPOOL_DENIED)
    throw new FactError(`${what}: listing ${USER_SPOOL} exited ${spool.exitCode}${stderrSuffix(spool)}`);
  const files = readFileParts(parts, 'file:', what)
    .map((file) => cronFile(file.path, file.content))
    .filter((file) => file !== undefined);
  const periodic = new Map<string, string[]>();
  for (const directory of PERIODIC_DIRECTORIES) {
    const part = parts.get(`periodic:${directory}`);
    if (!part) continue;
    if (part.exitCode !== 0) throw new FactError(`${what}: listing ${directory} failed${stderrSuffix(part)}`);
    const names = part.stdout.toString('utf8').split('\0').slice(0, -1);
    periodic.set(directory, names.filter((name) => CRON_D_NAME.test(name)).sort());
  }
  const spoolUnknown = spool.exitCode === SPOOL_DENIED ? `${what}${stderrSuffix(spool)}` : undefined;
  return { files, periodic, ...(spoolUnknown ? { spoolUnknown } : {}) };
}

function cronFile(path: string, content: string): CronFile | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (path === SYSTEM_CRONTAB) return { path, ...parseCrontab(content, path, undefined) };
  if (path.startsWith(`${CRON_D}/`))
    return CRON_D_NAME.test(name) ? { path, ...parseCrontab(content, path, undefined) } : undefined;
  if (path.startsWith(`${USER_SPOOL}/`)) return { path, ...parseCrontab(content, path, name) };
  throw new FactError(`reading the crontabs: a file that is no crontab: ${JSON.stringify(path)}`);
}

/** Schedules run-parts gives the scripts of each periodic directory (through /etc/crontab or anacron). */
const PERIODIC_SCHEDULE: Record<string, string> = {
  '/etc/cron.hourly': '@hourly',
  '/etc/cron.daily': '@daily',
  '/etc/cron.weekly': '@weekly',
  '/etc/cron.monthly': '@monthly',
};

/** The periodic scripts as entries: run as root by run-parts, the command being the script's path. */
export function periodicEntries(tables: CronTables, directory?: string): CronEntry[] {
  return [...tables.periodic.entries()]
    .filter(([dir]) => directory === undefined || dir === directory)
    .flatMap(([dir, names]) =>
      names.map((name) => ({
        source: dir,
        line: 0,
        schedule: PERIODIC_SCHEDULE[dir]!,
        user: 'root',
        command: `${dir}/${name}`,
      })),
    );
}

/** Every entry cron runs on the host; an error where the user crontabs could not be read. */
export function allEntries(tables: CronTables): CronEntry[] {
  if (tables.spoolUnknown) throw new FactError(tables.spoolUnknown);
  return [...tables.files.flatMap((file) => file.entries), ...periodicEntries(tables)];
}
