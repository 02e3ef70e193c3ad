/** One job of a crontab: the schedule as written (five fields or an `@` word), who runs it, the command. */
export interface CronEntry {
  /** The file the entry is in (a cron.{hourly,…} script: that directory). */
  source: string;
  /** 1-based line; 0 for a cron.{hourly,…} script. */
  line: number;
  /** The five time fields joined by one space, or `@reboot`, `@daily`, …; `@hourly` … for a periodic script. */
  schedule: string;
  user: string;
  command: string;
}

const SPECIAL_SCHEDULES = new Set([
  '@reboot',
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

/** `NAME=value` lines set the environment of the jobs below them; they are not jobs. */
const ENVIRONMENT_LINE = /^[A-Za-z_][A-Za-z0-9_]*\s*=/;

/**
 * crontab(5) lines: blank lines and `#` comments skipped, environment settings skipped, a job is
 * five time fields or an `@` word, then (in /etc/crontab and /etc/cron.d, `withUser`) the user,
 * then the command to the end of the line. A line that is none of these is returned as `invalid`
 * (cron skips it and logs an error), so a typo is never read as a missing job silently.
 */
export function parseCrontab(
  text: string,
  source: string,
  owner: string | undefined,
): { entries: CronEntry[]; invalid: number[] } {
  const entries: CronEntry[] = [];
  const invalid: number[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || ENVIRONMENT_LINE.test(line)) return;
    const words = line.split(/[ \t]+/);
    const timeFields = SPECIAL_SCHEDULES.has(words[0]!.toLowerCase()) ? 1 : 5;
    const commandAt = timeFields + (owner === undefined ? 1 : 0);
    if (words.length <= commandAt || (timeFields === 5 && !words.slice(0, 5).every(isTimeField))) {
      invalid.push(index + 1);
      return;
    }
    entries.push({
      source,
      line: index + 1,
      schedule: words.slice(0, timeFields).join(' ').toLowerCase(),
      user: owner ?? words[timeFields]!,
      command: restAfterWords(line, commandAt),
    });
  });
  return { entries, invalid };
}

function isTimeField(word: string): boolean {
  return /^[0-9A-Za-z*/,-]+$/.test(word);
}

/** The line after its first `count` words, as written (inner spacing kept). */
function restAfterWords(line: string, count: number): string {
  const match = new RegExp(`^(?:\\S+[ \\t]+){${count}}`).exec(line);
  return line.slice(match ? match[0].length : line.length).trim();
}
