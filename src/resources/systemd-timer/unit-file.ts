/** What a timer's unit file and drop-ins say in their [Timer] section. */
export interface TimerSettings {
  /** Every OnCalendar= expression, as written; an empty assignment clears the ones before it. */
  onCalendar: string[];
  /** OnBootSec=, OnStartupSec=, OnActiveSec=, OnUnitActiveSec=, OnUnitInactiveSec=: `Key=value` each. */
  monotonic: string[];
  /** The unit it triggers: Unit=, or the timer's name with `.service`. */
  unit: string;
  persistent: boolean;
}

export const MONOTONIC_KEYS = ['OnBootSec', 'OnStartupSec', 'OnActiveSec', 'OnUnitActiveSec', 'OnUnitInactiveSec'];

export interface UnitFileText {
  path: string;
  content: string;
}

/**
 * The [Timer] settings of a unit file and its drop-ins, read in order (systemd.unit(5)): `#` and
 * `;` comments, a `\` at the end of a line continues it; list settings add up, an empty value
 * resets them; a later Unit= or Persistent= wins.
 */
export function timerSettings(name: string, files: readonly UnitFileText[]): TimerSettings {
  const settings: TimerSettings = {
    onCalendar: [],
    monotonic: [],
    unit: name.replace(/\.timer$/, '.service'),
    persistent: false,
  };
  for (const file of files) {
    let section = '';
    for (const line of logicalLines(file.content)) {
      if (line.startsWith('[')) section = line;
      if (section !== '[Timer]' || !line.includes('=')) continue;
      const key = line.slice(0, line.indexOf('=')).trim();
      const value = line.slice(line.indexOf('=') + 1).trim();
      apply(settings, key, value);
    }
  }
  return settings;
}

function apply(settings: TimerSettings, key: string, value: string): void {
  if (key === 'OnCalendar') settings.onCalendar = value === '' ? [] : [...settings.onCalendar, value];
  else if (MONOTONIC_KEYS.includes(key))
    settings.monotonic =
      value === ''
        ? settings.monotonic.filter((m) => !m.startsWith(`${key}=`))
        : [...settings.monotonic, `${key}=${value}`];
  else if (key === 'Unit' && value !== '') settings.unit = value;
  else if (key === 'Persistent') settings.persistent = /^(1|yes|true|on)$/i.test(value);
}

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line.startsWith('#') || line.startsWith(';'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  if (pending !== '') lines.push(pending.trim());
  return lines;
}
