import { z } from 'zod';
import { describeValueMatcher, matchValue, toValueMatcher, ValueMatcherSchema, type ValueExpectation } from '../../matchers/value.js';
import type { Frame } from '../../probe/frames.js';
import type { InitSystem } from '../../probe/host.js';
import { shellQuote } from '../../probe/quote.js';
import {
  attribute,
  defineResource,
  FactError,
  firstLines,
  NoArgs,
  NoOptions,
  groupedQuery,
  predicate,
  requireRan,
  validateFact,
  type FactQuery,
} from '../resource.js';

/** Starts the lines the fragment adds between tool outputs; tool output never starts a line with it. */
export const SECTION_MARK = '#driftspec';

/** sysvinit links that start a service at boot: rcS.d (every boot) and the multi-user runlevels. */
export const SYSV_START_DIRS = ['/etc/rcS.d', '/etc/rc2.d', '/etc/rc3.d', '/etc/rc4.d', '/etc/rc5.d'] as const;

const RunResultSchema = z.object({ exitCode: z.number().int(), output: z.string() });
export type RunResult = z.infer<typeof RunResultSchema>;

/**
 * Every property `systemctl show` printed (some 250 per unit), checked in one pass: a per-entry
 * zod record check cost more than the rest of the parse, once per service on every host.
 */
const StringRecordSchema = z.custom<Record<string, string>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string'),
  'expected a record of strings',
);

export const SystemdServiceSchema = z.object({
  init: z.literal('systemd'),
  name: z.string(),
  /** Every property `systemctl show` printed; LoadState, ActiveState and SubState are always there. */
  properties: StringRecordSchema,
  /** The word `systemctl is-enabled` printed (enabled, static, masked, …), or "not-found". */
  unitFileState: z.string().nullable(),
  /** Why `systemctl is-enabled` gave no state, when it failed in some other way. */
  unitFileStateError: z.string().nullable(),
});
export type SystemdService = z.infer<typeof SystemdServiceSchema>;

export const SysvServiceSchema = z.object({
  init: z.literal('sysvinit'),
  name: z.string(),
  script: z.enum(['present', 'absent']),
  /** The LSB `status` action's exit code and output; null when there is no script. */
  status: RunResultSchema.nullable(),
  /** Links named exactly S<nn><name> in the start directories, such as /etc/rc2.d/S01ssh. */
  startLinks: z.array(z.string()),
});
export type SysvService = z.infer<typeof SysvServiceSchema>;

export const OpenrcServiceSchema = z.object({
  init: z.literal('openrc'),
  name: z.string(),
  exists: z.boolean(),
  /** `rc-service NAME status`; null when the service does not exist. */
  status: RunResultSchema.nullable(),
  /** The runlevels `rc-update show -v` lists the service in. */
  runlevels: z.array(z.string()),
});
export type OpenrcService = z.infer<typeof OpenrcServiceSchema>;

export const ServiceFactSchema = z.discriminatedUnion('init', [SystemdServiceSchema, SysvServiceSchema, OpenrcServiceSchema]);
export type ServiceFact = z.infer<typeof ServiceFactSchema>;

/** `ssh.service` and `ssh` are one service; init scripts carry no suffix. */
export function scriptName(name: string): string {
  return name.endsWith('.service') && name !== '.service' ? name.slice(0, -'.service'.length) : name;
}

/** One query per service; every matcher on it shares the query. */
export function serviceScript(name: string): string {
  const unit = shellQuote(name);
  const script = shellQuote(scriptName(name));
  const mark = (label: string, value = '%s') => `printf '\\n${SECTION_MARK} ${label} ${value}\\n'`;
  return [
    'case $DS_INIT in',
    'systemd)',
    `  systemctl show --no-pager -- ${unit}`,
    `  ${mark('show-exit')} "$?"`,
    `  systemctl is-enabled -- ${unit} 2>&1`,
    `  ${mark('is-enabled-exit')} "$?" ;;`,
    'sysvinit)',
    `  printf '%s\\n' ${SYSV_START_DIRS.map((d) => `${d}/S*`).join(' ')}`,
    `  ds_script=/etc/init.d/${script}`,
    `  if [ ! -e "$ds_script" ] && [ ! -L "$ds_script" ]; then echo '${SECTION_MARK} script absent'; exit 0; fi`,
    `  if [ ! -f "$ds_script" ] || [ ! -x "$ds_script" ]; then echo '${SECTION_MARK} script not-executable'; exit 0; fi`,
    `  echo '${SECTION_MARK} script present'`,
    '  "$ds_script" status 2>&1',
    `  ${mark('status-exit')} "$?" ;;`,
    'openrc)',
    '  rc-update show -v',
    `  ${mark('rc-update-exit')} "$?"`,
    `  rc-service --exists ${script}`,
    '  ds_rc=$?',
    `  ${mark('exists-exit')} "$ds_rc"`,
    '  if [ "$ds_rc" -eq 0 ]; then',
    `    rc-service ${script} status 2>&1`,
    `    ${mark('status-exit')} "$?"`,
    '  fi ;;',
    `*) echo 'driftspec: no supported init system (systemd, sysvinit, openrc)' >&2; exit 3 ;;`,
    'esac',
  ].join('\n');
}

function serviceQuery(name: string): FactQuery<ServiceFact> {
  const group = { key: 'service', member: name, script: serviceGroupScript };
  return groupedQuery(`service:${name}`, group, (frame, host) => parseGroupedService(frame, host.initSystem, name));
}

/**
 * Many services in one query. Under systemd: one `systemctl show` for all of them (a block of
 * properties per unit, in order) and one `systemctl is-enabled` for all of them, which is taken
 * only when it printed one known state word per unit (systemd before 254 stops at the first unit
 * it cannot find); otherwise `is-enabled` runs once per unit. Under sysvinit and openrc each
 * service runs its own fragment (serviceScript). Every section is numbered by the unit's place in
 * the `#driftspec unit NAME` list the query starts with.
 */
export function serviceGroupScript(names: readonly string[]): string {
  const units = names.map(shellQuote).join(' ');
  const mark = (label: string) => `printf '\\n${SECTION_MARK} ${label} %s\\n'`;
  const eachUnit = names
    .map((name, index) => [
      `    printf '${SECTION_MARK} is-enabled-of ${index}\\n'`,
      `    systemctl is-enabled -- ${shellQuote(name)} 2>&1`,
      `    ${mark(`is-enabled-exit ${index}`)} "$?"`,
    ].join('\n'))
    .join('\n');
  const eachService = names
    .map((name, index) => [`  printf '${SECTION_MARK} member ${index}\\n'`, '  (', serviceScript(name), '  )', `  ${mark(`member-exit ${index}`)} "$?"`].join('\n'))
    .join('\n');
  return [
    `printf '${SECTION_MARK} unit %s\\n' ${units}`,
    'case $DS_INIT in',
    'systemd)',
    `  systemctl show --no-pager -- ${units}`,
    `  ${mark('show-exit')} "$?"`,
    `  ds_states=$(systemctl is-enabled -- ${units} 2>/dev/null)`,
    '  ds_k=0',
    '  set -f',
    `  for ds_w in $ds_states; do case $ds_w in ${UNIT_FILE_STATES.join('|')}) ds_k=$((ds_k + 1)) ;; *) ds_k=-1; break ;; esac; done`,
    `  if [ "$ds_k" -eq ${names.length} ]; then printf '${SECTION_MARK} is-enabled-all\\n%s\\n' "$ds_states"`,
    '  else',
    eachUnit,
    '  fi ;;',
    '*)',
    eachService,
    '  ;;',
    'esac',
  ].join('\n');
}

/** One service's fact from a grouped query: its own part of the output, read as a query of its own. */
export function parseGroupedService(frame: Frame, init: InitSystem, name: string): ServiceFact {
  const what = `service ${name}`;
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw new FactError(`${what}: the query exited ${frame.exitCode}${stderrSuffix(frame)}`);
  const text = frame.stdout.toString('utf8');
  const lines = text.split('\n');
  const units: string[] = [];
  while (lines[units.length]?.startsWith(`${SECTION_MARK} unit `)) units.push(lines[units.length]!.slice(`${SECTION_MARK} unit `.length));
  const index = units.indexOf(name);
  if (index === -1) throw new FactError(`${what}: the output does not list this service`);
  const rest = lines.slice(units.length).join('\n');
  const own = init === 'systemd' ? systemdPart(rest, index, units.length, what) : memberPart(rest, index, what);
  return parseServiceFrame({ ...frame, ...own }, init, name);
}

/** The unit's block of `systemctl show` and its `is-enabled` answer, in the form of a query of its own. */
function systemdPart(text: string, index: number, count: number, what: string): Pick<Frame, 'stdout' | 'exitCode'> {
  const show = splitAtMark(text, 'show-exit', what, false);
  const showExit = exitCodeOf(show, what);
  const blocks = show.body.split(/\n\n(?=\S)/);
  if (showExit === 0 && blocks.length !== count) throw new FactError(`${what}: systemctl show printed ${blocks.length} blocks of properties for ${count} units`);
  const block = showExit === 0 ? blocks[index]! : show.body;
  let isEnabled: { body: string; exitCode: number };
  const all = `${SECTION_MARK} is-enabled-all\n`;
  if (show.rest.startsWith(all)) {
    const words = show.rest.slice(all.length).split(/\s+/).filter(Boolean);
    if (words.length !== count) throw new FactError(`${what}: systemctl is-enabled printed ${words.length} states for ${count} units`);
    isEnabled = { body: words[index]!, exitCode: 0 };
  } else {
    const start = show.rest.indexOf(`${SECTION_MARK} is-enabled-of ${index}\n`);
    if (start === -1) throw new FactError(`${what}: the output has no is-enabled section for this unit`);
    const section = splitAtMark(show.rest.slice(start + `${SECTION_MARK} is-enabled-of ${index}\n`.length), `is-enabled-exit ${index}`, what, false);
    isEnabled = { body: trimBody(section.body), exitCode: exitCodeOf(section, what) };
  }
  const single = `${block}\n\n${SECTION_MARK} show-exit ${showExit}\n${isEnabled.body}\n\n${SECTION_MARK} is-enabled-exit ${isEnabled.exitCode}\n`;
  return { stdout: Buffer.from(single), exitCode: 0 };
}

/** A sysvinit or openrc service's own fragment output, between its member marks. */
function memberPart(text: string, index: number, what: string): Pick<Frame, 'stdout' | 'exitCode'> {
  const begin = `${SECTION_MARK} member ${index}\n`;
  const start = text.startsWith(begin) ? 0 : text.indexOf(`\n${begin}`) + 1;
  if (start === 0 && !text.startsWith(begin)) throw new FactError(`${what}: the output has no section for this service`);
  const section = splitAtMark(text.slice(start + begin.length), `member-exit ${index}`, what, false);
  return { stdout: Buffer.from(section.body), exitCode: exitCodeOf(section, what) };
}

export function parseServiceFrame(frame: Frame, init: InitSystem, name: string): ServiceFact {
  switch (init) {
    case 'systemd':
      return parseSystemd(frame, name);
    case 'sysvinit':
      return parseSysv(frame, name);
    case 'openrc':
      return parseOpenrc(frame, name);
    case 'none':
      throw new FactError('no supported init system on the target (looked for systemd, openrc and /etc/init.d)');
  }
}

// --- sections ---------------------------------------------------------------------------------

interface Section {
  /** The output before the mark line. */
  body: string;
  /** What the mark line carries after its label, such as an exit status. */
  value: string;
  /** The output after the mark line. */
  rest: string;
}

/**
 * Splits the fragment's output at the mark line `#driftspec LABEL VALUE`. A `last` mark must end
 * the output and is found from the end: its body may be any text a script printed, even a line
 * that looks like a mark.
 */
function splitAtMark(text: string, label: string, what: string, last: boolean): Section {
  const prefix = `${SECTION_MARK} ${label} `;
  const inner = last ? text.lastIndexOf(`\n${prefix}`) : text.indexOf(`\n${prefix}`);
  let start: number;
  if (inner !== -1 && (last || !text.startsWith(prefix))) start = inner + 1;
  else if (text.startsWith(prefix)) start = 0;
  else throw new FactError(`${what}: the output has no "${label}" mark (${JSON.stringify(text.slice(0, 200))})`);
  const lineEnd = text.indexOf('\n', start);
  const end = lineEnd === -1 ? text.length : lineEnd;
  const rest = text.slice(end + 1);
  if (last && rest.trim() !== '') throw new FactError(`${what}: unexpected output after the "${label}" mark`);
  return { body: start === 0 ? '' : text.slice(0, start - 1), value: text.slice(start + prefix.length, end), rest };
}

function exitCodeOf(section: Section, what: string): number {
  if (!/^\d+$/.test(section.value)) throw new FactError(`${what}: unexpected exit status ${JSON.stringify(section.value)}`);
  return Number(section.value);
}

/** Drops the blank line the fragment prints before each mark. */
function trimBody(body: string): string {
  return body.replace(/\n+$/, '');
}

// --- systemd ----------------------------------------------------------------------------------

/** The words `systemctl is-enabled` prints, see systemctl(1). */
export const UNIT_FILE_STATES = [
  'enabled',
  'enabled-runtime',
  'linked',
  'linked-runtime',
  'alias',
  'masked',
  'masked-runtime',
  'static',
  'indirect',
  'disabled',
  'generated',
  'transient',
  'bad',
  'not-found',
] as const;

export function parseSystemd(frame: Frame, name: string): SystemdService {
  const what = `systemctl show ${name}`;
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw new FactError(`${what}: the query exited ${frame.exitCode}${stderrSuffix(frame)}`);
  const show = splitAtMark(frame.stdout.toString('utf8'), 'show-exit', what, false);
  const showExit = exitCodeOf(show, what);
  // "System has not been booted with systemd", "Failed to connect to bus": never "not running".
  if (showExit === 127) throw new FactError(`systemctl: command not found on the target (exit 127)${stderrSuffix(frame)}`);
  if (showExit !== 0) throw new FactError(`${what} exited ${showExit}${stderrSuffix(frame)}`);
  const properties = parseProperties(show.body);
  for (const key of ['LoadState', 'ActiveState', 'SubState']) {
    if (!properties[key]) throw new FactError(`${what}: no ${key} in the output${stderrSuffix(frame)}`);
  }
  const isEnabled = splitAtMark(show.rest, 'is-enabled-exit', what, true);
  const { state, error } = parseIsEnabled(trimBody(isEnabled.body), exitCodeOf(isEnabled, what));
  return validateFact(SystemdServiceSchema, { init: 'systemd', name, properties, unitFileState: state, unitFileStateError: error }, what);
}

function stderrSuffix(frame: Frame): string {
  const stderr = frame.stderr.toString('utf8').trim();
  return stderr ? `: ${firstLines(stderr, 3)}` : '';
}

export function parseProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) properties[match[1]!] = match[2]!;
  }
  return properties;
}

/** Its stderr is merged into the section, so hints such as "redirecting to systemd-sysv-install" come first. */
function parseIsEnabled(text: string, exitCode: number): { state: string | null; error: string | null } {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines.at(-1) ?? '';
  if ((UNIT_FILE_STATES as readonly string[]).includes(last)) return { state: last, error: null };
  // systemd before 254 answers a missing unit with this message instead of the word "not-found".
  if (exitCode !== 0 && /^Failed to get unit file state for .*: No such file or directory$/m.test(text)) return { state: 'not-found', error: null };
  return { state: null, error: `systemctl is-enabled exited ${exitCode}${text ? `: ${firstLines(text, 3)}` : ' without output'}` };
}

// --- sysvinit ---------------------------------------------------------------------------------

export function parseSysv(frame: Frame, name: string): SysvService {
  const base = scriptName(name);
  const what = `/etc/init.d/${base} status`;
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw new FactError(`${what}: the query exited ${frame.exitCode}${stderrSuffix(frame)}`);
  const text = frame.stdout.toString('utf8');
  const script = splitAtMark(text, 'script', what, false);
  const startLinks = script.body
    .split('\n')
    .filter((path) => isStartLinkFor(path, base));
  if (script.value === 'not-executable') throw new FactError(`/etc/init.d/${base} exists but is not an executable file`);
  if (script.value === 'absent') {
    if (script.rest.trim() !== '') throw new FactError(`${what}: unexpected output after the script check`);
    return validateFact(SysvServiceSchema, { init: 'sysvinit', name: base, script: 'absent', status: null, startLinks }, what);
  }
  if (script.value !== 'present') throw new FactError(`${what}: unexpected script state ${JSON.stringify(script.value)}`);
  const status = splitAtMark(script.rest, 'status-exit', what, true);
  const result = { exitCode: exitCodeOf(status, what), output: trimBody(status.body) };
  return validateFact(SysvServiceSchema, { init: 'sysvinit', name: base, script: 'present', status: result, startLinks }, what);
}

function isStartLinkFor(path: string, base: string): boolean {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash);
  const file = path.slice(slash + 1);
  return (SYSV_START_DIRS as readonly string[]).includes(dir) && /^S\d\d/.test(file) && file.slice(3) === base;
}

// --- openrc -----------------------------------------------------------------------------------

export function parseOpenrc(frame: Frame, name: string): OpenrcService {
  const base = scriptName(name);
  const what = `rc-service ${base} status`;
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw new FactError(`${what}: the query exited ${frame.exitCode}${stderrSuffix(frame)}`);
  const text = frame.stdout.toString('utf8');
  const rcUpdate = splitAtMark(text, 'rc-update-exit', what, false);
  const rcUpdateExit = exitCodeOf(rcUpdate, what);
  if (rcUpdateExit !== 0) throw new FactError(`rc-update show -v exited ${rcUpdateExit}${stderrSuffix(frame)}`);
  const runlevels = runlevelsOf(rcUpdate.body, base);
  const existsCheck = splitAtMark(rcUpdate.rest, 'exists-exit', what, false);
  const existsExit = exitCodeOf(existsCheck, what);
  if (existsExit === 1) {
    if (existsCheck.rest.trim() !== '') throw new FactError(`${what}: unexpected output after the existence check`);
    return validateFact(OpenrcServiceSchema, { init: 'openrc', name: base, exists: false, status: null, runlevels }, what);
  }
  if (existsExit !== 0) throw new FactError(`rc-service --exists ${base} exited ${existsExit}${stderrSuffix(frame)}`);
  const status = splitAtMark(existsCheck.rest, 'status-exit', what, true);
  const result = { exitCode: exitCodeOf(status, what), output: trimBody(status.body) };
  return validateFact(OpenrcServiceSchema, { init: 'openrc', name: base, exists: true, status: result, runlevels }, what);
}

/** `rc-update show -v` prints " %20s | runlevel runlevel …" per service, padding absent runlevels with spaces. */
function runlevelsOf(text: string, base: string): string[] {
  for (const line of text.split('\n')) {
    const bar = line.indexOf(' |');
    if (bar === -1) continue;
    if (line.slice(0, bar).trim() === base) return line.slice(bar + 2).split(/\s+/).filter(Boolean);
  }
  return [];
}

// --- judging ----------------------------------------------------------------------------------

interface Outcome {
  pass: boolean;
  actual: string;
}

const ENABLED_STATES = new Set(['enabled', 'enabled-runtime', 'alias', 'indirect', 'generated']);
const MASKED_STATES = new Set(['masked', 'masked-runtime']);

function prop(fact: SystemdService, key: string): string {
  return fact.properties[key] ?? '';
}

function unitExists(fact: SystemdService): boolean {
  return prop(fact, 'LoadState') !== 'not-found';
}

function unitLabel(fact: SystemdService): string {
  return prop(fact, 'Id') || fact.name;
}

function installedOutcome(fact: ServiceFact): Outcome {
  switch (fact.init) {
    case 'systemd':
      return unitExists(fact)
        ? { pass: true, actual: `systemd knows ${unitLabel(fact)} (LoadState=${prop(fact, 'LoadState')})` }
        : { pass: false, actual: `systemd has no unit ${unitLabel(fact)} (LoadState=not-found)` };
    case 'sysvinit':
      return fact.script === 'present'
        ? { pass: true, actual: `/etc/init.d/${fact.name} exists` }
        : { pass: false, actual: `there is no /etc/init.d/${fact.name}` };
    case 'openrc':
      return fact.exists ? { pass: true, actual: `openrc knows ${fact.name}` } : { pass: false, actual: `openrc has no service ${fact.name}` };
  }
}

function enabledOutcome(fact: ServiceFact): Outcome {
  switch (fact.init) {
    case 'systemd':
      return systemdEnabled(fact);
    case 'sysvinit': {
      if (fact.script === 'absent') return { pass: false, actual: `there is no /etc/init.d/${fact.name}` };
      if (fact.startLinks.length > 0) return { pass: true, actual: `it has start links ${fact.startLinks.join(', ')}` };
      return { pass: false, actual: `it has no S<nn>${fact.name} start link in ${SYSV_START_DIRS.join(', ')}` };
    }
    case 'openrc': {
      if (!fact.exists) return { pass: false, actual: `openrc has no service ${fact.name}` };
      const boot = fact.runlevels.filter((r) => r !== 'shutdown');
      if (boot.length > 0) return { pass: true, actual: `it is in runlevel ${fact.runlevels.join(', ')}` };
      return { pass: false, actual: fact.runlevels.length ? `it is only in runlevel ${fact.runlevels.join(', ')}` : 'it is in no runlevel' };
    }
  }
}

/**
 * enabled, enabled-runtime, indirect and generated count as enabled; static, disabled, masked,
 * linked and transient do not. An alias is judged by the unit it names (UnitFileState of that
 * unit), since enabling is what created the alias link.
 */
function systemdEnabled(fact: SystemdService): Outcome {
  if (!unitExists(fact)) return { pass: false, actual: `systemd has no unit ${unitLabel(fact)} (LoadState=not-found)` };
  if (fact.unitFileState === null) throw new FactError(fact.unitFileStateError ?? 'systemctl is-enabled gave no state');
  const said = `systemctl is-enabled says "${fact.unitFileState}"`;
  if (fact.unitFileState === 'bad') throw new FactError(`${said}: the unit file is invalid, so whether it is enabled is unknown`);
  if (fact.unitFileState === 'alias') {
    const target = prop(fact, 'UnitFileState');
    if (target && target !== 'alias' && (UNIT_FILE_STATES as readonly string[]).includes(target)) {
      if (target === 'bad') throw new FactError(`${said}; ${unitLabel(fact)} has an invalid unit file`);
      return { pass: ENABLED_STATES.has(target), actual: `${said}; it names ${unitLabel(fact)}, which is "${target}"` };
    }
  }
  return { pass: ENABLED_STATES.has(fact.unitFileState), actual: said };
}

function runningOutcome(fact: ServiceFact): Outcome {
  switch (fact.init) {
    case 'systemd': {
      const state = `${prop(fact, 'ActiveState')} (${prop(fact, 'SubState')})`;
      const running = ['active', 'reloading'].includes(prop(fact, 'ActiveState'));
      if (!unitExists(fact) && !running) return { pass: false, actual: `systemd has no unit ${unitLabel(fact)} and it is ${state}` };
      return { pass: running, actual: `it is ${state}` };
    }
    case 'sysvinit':
      if (fact.script === 'absent' || !fact.status) return { pass: false, actual: `there is no /etc/init.d/${fact.name}` };
      return lsbStatus(fact.name, fact.status);
    case 'openrc':
      if (!fact.exists || !fact.status) return { pass: false, actual: `openrc has no service ${fact.name}` };
      return openrcStatus(fact.name, fact.status);
  }
}

const LSB_NOT_RUNNING: Record<number, string> = {
  1: 'it is not running but its pid file exists (LSB status 1)',
  2: 'it is not running but its lock file exists (LSB status 2)',
  3: 'it is not running (LSB status 3)',
};

/** LSB init script status codes: 0 running, 1–3 not running, 4 unknown; nothing else is defined. */
function lsbStatus(name: string, status: RunResult): Outcome {
  const said = status.output ? `: ${JSON.stringify(firstLines(status.output, 2))}` : '';
  // A script without a status action prints its usage and exits 1 or 3, which LSB would read as "not running".
  if (/^\s*Usage:/m.test(status.output)) throw new FactError(`/etc/init.d/${name} has no status action${said}`);
  if (status.exitCode === 0) return { pass: true, actual: `it is running (LSB status 0${said})` };
  const notRunning = LSB_NOT_RUNNING[status.exitCode];
  if (notRunning) return { pass: false, actual: `${notRunning}${said}` };
  if (status.exitCode === 4) throw new FactError(`/etc/init.d/${name} status: the status is unknown (LSB status 4)${said}`);
  throw new FactError(`/etc/init.d/${name} status exited ${status.exitCode}, which LSB does not define${said}`);
}

/** openrc-run's status: 0 started, 3 stopped, 4 stopping, 8 starting, 16 inactive, 32 crashed. */
const OPENRC_NOT_RUNNING: Record<number, string> = { 3: 'stopped', 4: 'stopping', 8: 'starting', 16: 'inactive', 32: 'crashed' };

function openrcStatus(name: string, status: RunResult): Outcome {
  if (status.exitCode === 0) return { pass: true, actual: 'it is started' };
  const state = OPENRC_NOT_RUNNING[status.exitCode];
  if (state) return { pass: false, actual: `it is ${state}` };
  const said = status.output ? `: ${firstLines(status.output, 3)}` : '';
  throw new FactError(`rc-service ${name} status exited ${status.exitCode}${said}`);
}

function requireSystemd(fact: ServiceFact, what: string): SystemdService {
  if (fact.init === 'systemd') return fact;
  throw new FactError(`only systemd knows ${what}; this host uses ${fact.init}`);
}

function maskedOutcome(fact: ServiceFact): Outcome {
  const unit = requireSystemd(fact, 'masked units');
  const loadState = prop(unit, 'LoadState');
  const masked = loadState === 'masked' || MASKED_STATES.has(unit.unitFileState ?? '');
  return { pass: masked, actual: `LoadState=${loadState}${unit.unitFileState ? `, systemctl is-enabled says "${unit.unitFileState}"` : ''}` };
}

/** A property is keyed by name, so it is a predicate whose arguments carry the name and a value matcher. */
const PropertyArgs = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a systemd property name is letters and digits, such as Type or ExecStart'),
    value: ValueMatcherSchema,
  })
  .strict() as unknown as z.ZodType<PropertyArgs>;
export interface PropertyArgs {
  name: string;
  value: ValueExpectation;
}

function propertyOutcome(fact: ServiceFact, args: PropertyArgs): Outcome {
  const unit = requireSystemd(fact, 'unit properties');
  const value = unit.properties[args.name];
  // An unknown name is a typo or an older systemd: never evidence for `not.property`.
  if (value === undefined) throw new FactError(`systemctl show printed no property ${args.name} for ${unitLabel(unit)} (names are case-sensitive)`);
  return { pass: matchValue(value, toValueMatcher(args.value)), actual: `${args.name} is ${JSON.stringify(value)}` };
}

function readProperty(key: string) {
  return (fact: ServiceFact) => {
    const unit = requireSystemd(fact, key);
    return prop(unit, key);
  };
}

const ServiceNameSchema = z
  .string()
  .min(1, 'a service name cannot be empty')
  .refine((n) => !n.startsWith('-'), 'a service name cannot start with "-"')
  .refine((n) => !n.includes('\0'), 'a service name cannot contain a NUL byte')
  .refine((n) => !/[\n\r]/.test(n), 'a service name cannot contain a line break')
  .refine((n) => !n.includes('/'), 'a service name cannot contain "/"');

function simplePredicate(describe: string, outcome: (fact: ServiceFact) => Outcome) {
  return predicate<ServiceFact, Record<string, never>>({ fact: 'service', args: NoArgs, describe: () => describe, test: (fact) => outcome(fact) });
}

export const serviceResource = defineResource({
  type: 'service',
  summary: 'A system service under systemd, sysvinit or openrc: installed, enabled, running, masked, unit properties.',
  subject: ServiceNameSchema,
  options: NoOptions,
  title: (name: string) => `service ${name}`,
  facts: {
    service: (name: string) => serviceQuery(name),
  },
  matchers: {
    installed: simplePredicate('be installed', installedOutcome),
    enabled: simplePredicate('be enabled', enabledOutcome),
    running: simplePredicate('be running', runningOutcome),
    masked: simplePredicate('be masked', maskedOutcome),
    property: predicate<ServiceFact, PropertyArgs>({
      fact: 'service',
      args: PropertyArgs,
      describe: (args) => `have property ${args.name} ${describeValueMatcher(toValueMatcher(args.value))}`,
      test: propertyOutcome,
    }),
    activeState: attribute<ServiceFact>({ fact: 'service', describe: 'have ActiveState', read: readProperty('ActiveState') }),
    subState: attribute<ServiceFact>({ fact: 'service', describe: 'have SubState', read: readProperty('SubState') }),
  },
  shortcuts: {
    /** The same check as installed(): the init system knows the service. */
    exists: () => ({ matcher: 'installed', args: {} }),
  },
});
