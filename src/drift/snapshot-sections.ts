import type { Frame } from '../probe/frames.js';
import type { HostFacts, InitSystem, PackageManager } from '../probe/host.js';
import { normaliseValue } from '../resources/kernel-parameter/index.js';
import { parseMountTable } from '../resources/mount/index.js';
import { parseApkRecords, parseDpkgLine, parsePacmanInfo, parseRpmLine, type PackageInstance } from '../resources/package/index.js';
import { parseSocketTable, selectPort } from '../resources/port/index.js';
import { FactError, firstLines, requireRan } from '../resources/resource.js';
import { parseProperties, scriptName, SECTION_MARK } from '../resources/service/index.js';
import { parseGroupLine, parsePasswdLine, parseSections, requireSection, type Section } from '../resources/user/index.js';
import { SECTION_UNSUPPORTED } from './probe-script.js';
import type { PathPredicate } from './snapshot-ignore.js';
import type { SnapshotGap, SnapshotGroup, SnapshotListener, SnapshotMount, SnapshotPackage, SnapshotService, SnapshotUser } from './snapshot-schema.js';

/**
 * Parsers for the framed sections of the snapshot probe. Each returns the section's items or
 * throws a FactError, which the caller turns into a gap for that kind: never an empty list.
 */

function stderrOf(frame: Frame): string {
  return frame.stderr.toString('utf8').trim();
}

function failure(frame: Frame, what: string): FactError {
  const stderr = stderrOf(frame);
  if (frame.exitCode === SECTION_UNSUPPORTED) return new FactError(`${what}: ${stderr || 'not supported on the target'}`);
  return new FactError(`${what}: exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
}

function lines(frame: Frame): string[] {
  return frame.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
}

// --- packages ---------------------------------------------------------------------------------

export function parsePackagesSection(frame: Frame, manager: PackageManager): SnapshotPackage[] {
  const what = 'listing the installed packages';
  requireRan(frame, what);
  if (manager === 'none') throw failure(frame, what);
  // grep over an apk database without a single package exits 1.
  const emptyApk = manager === 'apk' && frame.exitCode === 1 && frame.stdout.length === 0 && stderrOf(frame) === '';
  if (frame.exitCode !== 0 && !emptyApk) throw failure(frame, what);
  let instances: PackageInstance[];
  switch (manager) {
    case 'dpkg':
      instances = lines(frame).map((line) => parseDpkgLine(line, what));
      break;
    case 'rpm':
      instances = lines(frame).map((line) => parseRpmLine(line, what));
      break;
    case 'apk':
      instances = parseApkRecords(frame.stdout.toString('utf8'), what);
      break;
    case 'pacman':
      instances = parsePacmanInfo(frame.stdout.toString('utf8'), what);
      break;
  }
  if (instances.length === 0 && manager !== 'apk') throw new FactError(`${what}: the package manager listed no package at all`);
  return instances
    .filter((instance) => instance.presence !== 'absent')
    .map((instance) => ({
      name: instance.name,
      version: instance.version,
      architecture: instance.architecture === '' ? null : instance.architecture,
      manager,
      state: instance.state,
    }));
}

// --- services ---------------------------------------------------------------------------------

export function parseServicesSection(frame: Frame, init: InitSystem): SnapshotService[] {
  const what = 'listing the services';
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw failure(frame, what);
  const text = frame.stdout.toString('utf8');
  const header = new RegExp(`^${SECTION_MARK} init (\\w+)\\n`).exec(text);
  if (!header || header[1] !== init) throw new FactError(`${what}: unexpected output ${JSON.stringify(text.slice(0, 200))}`);
  const body = text.slice(header[0].length);
  switch (header[1]) {
    case 'systemd':
      return parseSystemdServices(body, what);
    case 'sysvinit':
      return parseSysvServices(body, what);
    case 'openrc':
      return parseOpenrcServices(body, what);
    default:
      throw new FactError(`${what}: unexpected init system ${header[1]}`);
  }
}

/** `#driftspec units N`, then N blank-line separated `systemctl show` blocks (an alias shows its unit). */
export function parseSystemdServices(body: string, what: string): SnapshotService[] {
  const count = new RegExp(`^${SECTION_MARK} units\\s*(\\d+)\\n`).exec(body);
  if (!count) throw new FactError(`${what}: the unit count is missing (${JSON.stringify(body.slice(0, 200))})`);
  const blocks = body
    .slice(count[0].length)
    .split(/\n\s*\n/)
    .filter((block) => block.trim() !== '');
  if (blocks.length !== Number(count[1])) throw new FactError(`${what}: systemctl show described ${blocks.length} units of ${count[1]}`);
  const services = new Map<string, SnapshotService>();
  for (const block of blocks) {
    const properties = parseProperties(block);
    const id = properties['Id'];
    if (!id || properties['LoadState'] === undefined || properties['ActiveState'] === undefined) {
      throw new FactError(`${what}: a unit without Id, LoadState or ActiveState (${JSON.stringify(block.slice(0, 200))})`);
    }
    // Referenced by another unit but nowhere on disk: not a service of this machine.
    if (properties['LoadState'] === 'not-found') continue;
    const name = scriptName(id);
    services.set(name, {
      name,
      enabled: properties['UnitFileState'] || null,
      active: properties['ActiveState'] || null,
      sub: properties['SubState'] || null,
    });
  }
  return [...services.values()];
}

/** Executable scripts in /etc/init.d, enabled when an S link in a boot runlevel starts them. */
export function parseSysvServices(body: string, what: string): SnapshotService[] {
  const scripts: string[] = [];
  const started = new Set<string>();
  for (const line of body.split('\n')) {
    if (line === '') continue;
    const match = new RegExp(`^${SECTION_MARK} (script|start) (.+)$`).exec(line);
    if (!match) throw new FactError(`${what}: unexpected line ${JSON.stringify(line.slice(0, 200))}`);
    if (match[1] === 'script') scripts.push(match[2]!);
    else started.add(match[2]!.replace(/^S\d*/, ''));
  }
  return scripts.map((name) => ({ name, enabled: started.has(name) ? 'enabled' : 'disabled', active: null, sub: null }));
}

/** `rc-update show -v` (" name | runlevels"), then `rc-status --all` (" name [ started ]"). */
export function parseOpenrcServices(body: string, what: string): SnapshotService[] {
  const [updates = '', statuses = ''] = body.split(new RegExp(`^${SECTION_MARK} status$`, 'm'));
  const services = new Map<string, SnapshotService>();
  for (const line of updates.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^\s*(\S+)\s*\|\s*(.*)$/.exec(line);
    if (!match) throw new FactError(`${what}: unexpected rc-update line ${JSON.stringify(line.slice(0, 200))}`);
    services.set(match[1]!, { name: match[1]!, enabled: match[2]!.trim() === '' ? 'disabled' : 'enabled', active: null, sub: null });
  }
  for (const line of statuses.split('\n')) {
    const match = /^\s*(\S+)\s+\[\s*(\w+)\s*\]\s*$/.exec(line);
    if (!match) continue;
    const state = match[2]!;
    const active = state === 'started' ? 'active' : state === 'stopped' ? 'inactive' : state;
    const known = services.get(match[1]!) ?? { name: match[1]!, enabled: 'disabled', active: null, sub: null };
    services.set(match[1]!, { ...known, active });
  }
  return [...services.values()];
}

// --- listeners --------------------------------------------------------------------------------

/** The port resource's socket table; sockets sharing protocol, address and port are one listener. */
export function parseListenersSection(frame: Frame, host: HostFacts): SnapshotListener[] {
  const table = parseSocketTable(frame, host);
  const listeners = new Map<string, SnapshotListener>();
  for (const port of new Set(table.listening.map((socket) => socket.port))) {
    for (const socket of selectPort(table, port, host).sockets) {
      const key = `${socket.family} ${socket.address} ${port}`;
      const known = listeners.get(key);
      const processes = known === undefined ? socket.processes : known.processes === null || socket.processes === null ? null : [...new Set([...known.processes, ...socket.processes])].sort();
      listeners.set(key, { protocol: socket.family, address: socket.address, port, processes });
    }
  }
  return [...listeners.values()];
}

// --- accounts ---------------------------------------------------------------------------------

export interface AccountsSection {
  users: SnapshotUser[] | FactError;
  groups: SnapshotGroup[] | FactError;
}

export function parseAccountsSection(frame: Frame): AccountsSection {
  const what = 'reading the account databases';
  try {
    requireRan(frame, what);
    const sections = parseSections(frame.stdout.toString('utf8'), what);
    const stderr = stderrOf(frame);
    return {
      users: attempt(() => tableEntries(requireSection(sections, 'passwd', what), stderr, 'passwd').map((line) => parsePasswdLine(line, what))),
      groups: attempt(() => tableEntries(requireSection(sections, 'group', what), stderr, 'group').map((line) => parseGroupLine(line, what))),
    };
  } catch (error) {
    const failed = asFactError(error);
    return { users: failed, groups: failed };
  }
}

function tableEntries(section: Section, stderr: string, database: string): string[] {
  if (section.exitCode !== 0) throw new FactError(`reading the ${database} database exited ${section.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  const entries = section.lines.filter((line) => !/^[#+-]/.test(line));
  if (entries.length === 0) throw new FactError(`the ${database} database listed no entry at all`);
  return entries;
}

function attempt<T>(read: () => T): T | FactError {
  try {
    return read();
  } catch (error) {
    return asFactError(error);
  }
}

function asFactError(error: unknown): FactError {
  if (error instanceof FactError) return error;
  throw error;
}

// --- kernel parameters ------------------------------------------------------------------------

export interface KernelParametersSection {
  values: Record<string, string>;
  /** Keys that exist but could not be read (path = the key). */
  gaps: SnapshotGap[];
}

export function parseKernelParametersSection(frame: Frame, ignored: PathPredicate): KernelParametersSection {
  const what = 'reading the kernel parameters';
  requireRan(frame, what);
  const text = frame.stdout.toString('utf8');
  const mark = new RegExp(`^${SECTION_MARK} (sysctl|walk)\\n`).exec(text);
  if (frame.exitCode === SECTION_UNSUPPORTED || !mark) throw failure(frame, what);
  const body = text.slice(mark[0].length);
  const section = mark[1] === 'sysctl' ? parseSysctlOutput(body, stderrOf(frame), frame.exitCode) : parseProcSysWalk(body, stderrOf(frame), frame.exitCode);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(section.values)) if (!ignored(key)) values[key] = value;
  return { values, gaps: section.gaps.filter((gap) => gap.path === undefined || !ignored(gap.path)) };
}

/**
 * `sysctl -a`: "key = value" lines; a value of several lines repeats the key on each. Keys it
 * cannot read are named on stderr; write-only keys it skips by itself.
 */
export function parseSysctlOutput(body: string, stderr: string, exitCode: number): KernelParametersSection {
  const raw = new Map<string, string[]>();
  let previous: string[] | undefined;
  for (const line of body.split('\n')) {
    if (line === '') continue;
    const at = line.indexOf(' = ');
    const key = at === -1 ? (line.endsWith(' =') ? line.slice(0, -2) : undefined) : line.slice(0, at);
    if (key === undefined || !/^[^\s=]+$/.test(key)) {
      // busybox prints the further lines of a value as they are, without the key.
      if (previous === undefined) throw new FactError(`reading the kernel parameters: unexpected sysctl line ${JSON.stringify(line.slice(0, 200))}`);
      previous.push(line);
      continue;
    }
    previous = raw.get(key) ?? [];
    previous.push(at === -1 ? '' : line.slice(at + 3));
    raw.set(key, previous);
  }
  const values: Record<string, string> = {};
  for (const [key, parts] of raw) values[key] = normaliseValue(parts.join('\n'));
  const gaps: SnapshotGap[] = [];
  for (const line of stderr.split('\n')) {
    if (line.trim() === '') continue;
    const key = /key ['"]([^'"]+)['"]/.exec(line)?.[1];
    gaps.push(key === undefined ? { kind: 'kernelParameters', reason: line } : { kind: 'kernelParameters', path: key, reason: line });
  }
  if (exitCode !== 0 && gaps.length === 0) gaps.push({ kind: 'kernelParameters', reason: `sysctl -a exited ${exitCode} without saying why` });
  if (raw.size === 0) throw new FactError(`reading the kernel parameters: sysctl -a listed none${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  return { values, gaps };
}

/** The fallback walk: NUL-terminated "./path", value (or cat's error), exit status records. */
export function parseProcSysWalk(body: string, stderr: string, exitCode: number): KernelParametersSection {
  const fields = body.split('\0');
  if (fields.at(-1) === '') fields.pop();
  if (fields.length % 3 !== 0) throw new FactError('reading the kernel parameters: the /proc/sys walk was cut short');
  const values: Record<string, string> = {};
  const gaps: SnapshotGap[] = [];
  for (let i = 0; i < fields.length; i += 3) {
    const [path = '', value = '', status = ''] = fields.slice(i, i + 3);
    if (!path.startsWith('./') || !/^\d+$/.test(status)) throw new FactError(`reading the kernel parameters: unexpected record ${JSON.stringify(path.slice(0, 200))}`);
    const key = path
      .slice(2)
      .split('/')
      .map((part) => part.replace(/\./g, '/'))
      .join('.');
    if (status === '0') values[key] = normaliseValue(value);
    else gaps.push({ kind: 'kernelParameters', path: key, reason: value.trim() || `cat exited ${status}` });
  }
  if (exitCode !== 0 && gaps.length === 0) gaps.push({ kind: 'kernelParameters', reason: `the /proc/sys walk exited ${exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}` });
  return { values, gaps };
}

// --- mounts -----------------------------------------------------------------------------------

export function parseMountsSection(frame: Frame, ignored: PathPredicate): SnapshotMount[] {
  return parseMountTable(frame)
    .entries.filter((entry) => !ignored(entry.mountPoint))
    .map((entry) => ({ point: entry.mountPoint, source: entry.device, filesystem: entry.filesystem, options: entry.options }));
}
