import type { Frame } from '../../probe/frames.js';
import { FactError, readFileParts, readParts, stderrSuffix } from '../resource.js';
import { parseIsEnabled } from '../service/systemd.js';
import { timerSettings, type TimerSettings, type UnitFileText } from './unit-file.js';

/** What a running systemd says of a loaded timer (`systemctl show`). */
export interface TimerRuntime {
  loadState: string;
  activeState: string;
  subState: string;
  /** As systemctl prints them ("Sun 2026-12-06 06:12:01 UTC"); empty where there is none. */
  lastTrigger: string;
  nextElapse: string;
}

export interface TimerFact {
  name: string;
  /** `systemctl --root=/ is-enabled`: enabled, disabled, static, masked, not-found … */
  unitFileState: string;
  /** Undefined where no unit file was found. */
  settings?: TimerSettings;
  files: string[];
  /** On a booted host: systemd's view, or why it could not be had (systemd not running). */
  runtime?: TimerRuntime;
  runtimeUnknown?: string;
}

/**
 * The unit files of one timer from parts `file:NAME:N`: the first unit file in the search path
 * (the others are hidden by it), then the drop-ins by file name.
 */
export function readUnitFiles(parts: ReadonlyMap<string, Frame>, name: string, what: string): UnitFileText[] {
  const files = readFileParts(parts, `file:${name}:`, what);
  const main = files.find((file) => file.path.endsWith(`/${name}`));
  const byName = new Map<string, UnitFileText>();
  // A drop-in's name in an earlier directory hides the same name in a later one (/lib may be /usr/lib).
  for (const file of files.filter((f) => f.path.includes(`/${name}.d/`))) {
    const base = file.path.slice(file.path.lastIndexOf('/') + 1);
    if (!byName.has(base)) byName.set(base, file);
  }
  const dropIns = [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, file]) => file);
  return main ? [main, ...dropIns] : [];
}

/** One timer's fact from the grouped query. */
export function parseTimer(frame: Frame, name: string, booted: boolean): TimerFact {
  const what = `timer ${name}`;
  const parts = readParts(frame, what);
  const isEnabled = parts.get(`is-enabled:${name}`);
  if (!isEnabled) throw new FactError(`${what}: the output has no part "is-enabled:${name}"`);
  const enabled = parseIsEnabled(isEnabled.stdout.toString('utf8'), isEnabled.exitCode);
  if (enabled.state === null) throw new FactError(`${what}: ${enabled.error}`);
  const files = readUnitFiles(parts, name, what);
  const fact: TimerFact = {
    name,
    unitFileState: enabled.state,
    files: files.map((f) => f.path),
    ...(files.length > 0 ? { settings: timerSettings(name, files) } : {}),
  };
  if (!booted) return fact;
  const show = parts.get('show');
  if (!show) throw new FactError(`${what}: the output has no part "show"`);
  if (show.exitCode !== 0)
    return { ...fact, runtimeUnknown: `systemctl show exited ${show.exitCode}${stderrSuffix(show)}` };
  const runtime = showBlock(show.stdout.toString('utf8'), name);
  if (!runtime) throw new FactError(`${what}: systemctl show printed no block for it`);
  return { ...fact, runtime };
}

/** `systemctl show` prints one block of `Key=value` lines per unit, blocks apart by an empty line. */
function showBlock(text: string, name: string): TimerRuntime | undefined {
  for (const block of text.split(/\n\n/)) {
    const fields = new Map(
      block
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    if (fields.get('Id') !== name) continue;
    return {
      loadState: fields.get('LoadState') ?? '',
      activeState: fields.get('ActiveState') ?? '',
      subState: fields.get('SubState') ?? '',
      lastTrigger: fields.get('LastTriggerUSec') ?? '',
      nextElapse: nextElapse(fields.get('NextElapseUSecRealtime'), fields.get('NextElapseUSecMonotonic')),
    };
  }
  return undefined;
}

/** The realtime elapse where there is one, else the monotonic one; `0` and `infinity` mean none. */
function nextElapse(realtime = '', monotonic = ''): string {
  if (realtime !== '') return realtime;
  return monotonic === '0' || monotonic === 'infinity' ? '' : monotonic;
}
