import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import type { HostFacts, InitSystem } from '../../probe/host.js';
import { listingFailure, LISTING_UNSUPPORTED, SECTION_MARK } from '../inventory-listing.js';
import {
  attributesOf,
  listCollection,
  listed,
  type GeneratedCheck,
  type InventoryPart,
  type MatcherValue,
} from '../inventory-part.js';
import { FactError, requireRan } from '../resource.js';
import {
  ENABLED_STATES,
  OPENRC_SHUTDOWN_RUNLEVELS,
  parseProperties,
  scriptName,
  SYSV_START_DIRS,
} from '../service/index.js';

/** Identity: name. Systemd units are recorded without the ".service" suffix ("ssh", "getty@tty1"). */
export const SnapshotServiceSchema = z.object({
  name: z.string().min(1),
  /**
   * systemd: the unit file state (enabled, disabled, static, masked, generated, indirect, …), null
   * for a unit without a unit file (transient). sysvinit/openrc: "enabled" or "disabled".
   */
  enabled: z.string().nullable(),
  /**
   * systemd ActiveState (active, inactive, failed, …); sysvinit/openrc: "active"/"inactive", or
   * null when the status could not be told.
   */
  active: z.string().nullable(),
  /** systemd SubState (running, exited, dead, …); null outside systemd. */
  sub: z.string().nullable(),
});
export type SnapshotService = z.infer<typeof SnapshotServiceSchema>;

/** The first systemd whose list-unit-files is known to mark an alias as "alias" (Debian 12's). */
export const ALIAS_STATE_SINCE = 252;
const ALIASES_MARKED = 'aliases-marked';
const ALIASES_UNMARKED = 'aliases-unmarked';

/**
 * systemd: every service unit loaded or with a unit file. Asking systemd (PID 1) about a unit costs
 * a D-Bus exchange, and a unit only on disk is loaded to answer, so the states come from the two
 * listings where they can: `list-units --all` gives a loaded unit's load, active and sub state,
 * `list-unit-files` the unit file state of every unit with a file (the name pattern lists the same
 * units as the type alone, but systemd then skips the other unit files before looking up their
 * state). A unit only on disk is not active (inactive, dead). `systemctl show` is left for the
 * loaded units without an entry of their own in the file list (instances such as getty@tty1,
 * transient units) and, on a systemd older than ALIAS_STATE_SINCE, for every unit only on disk: it
 * may list an alias with its unit's state instead of "alias", and only `show` tells it apart (its
 * Id is the unit's). Only properties whose values cannot hold a newline are asked for, so a line
 * or a blank line always belongs to the unit whose block it is in.
 */
const SYSTEMD_SERVICES = `ds_f="$ds_dir/units"
systemctl list-unit-files --type=service --no-legend --no-pager --full '*.service' >"$ds_f.files" &
ds_files_job=$!
systemctl list-units --all --type=service --no-legend --plain --no-pager --full >"$ds_f.loaded" \
|| { echo "systemctl list-units exited $?" >&2; kill "$ds_files_job" 2>/dev/null; exit 4; }
ds_v=$(systemctl --version 2>/dev/null); ds_v=\${ds_v#systemd }; ds_v=\${ds_v%%[!0-9]*}
if [ "\${ds_v:-0}" -ge ${ALIAS_STATE_SINCE} ]; then ds_aliases=${ALIASES_MARKED} ds_show_disk=0
else ds_aliases=${ALIASES_UNMARKED} ds_show_disk=1; fi
wait "$ds_files_job" || { echo "systemctl list-unit-files exited $?" >&2; exit 4; }
awk -v show_disk="$ds_show_disk" '
  FNR == NR { on_disk[$1] = 1; next }
  { for (i = 1; i <= NF; i++) if ($i ~ /[.]service$/) { if ($(i + 1) != "not-found") loaded[$i] = 1; break } }
  END {
    for (u in loaded) if (!(u in on_disk)) print u
    if (show_disk) for (u in on_disk) if (!(u in loaded) && u !~ /@[.]service$/) print u
  }' "$ds_f.files" "$ds_f.loaded" >"$ds_f.show" || exit 4
echo '${SECTION_MARK} loaded'
cat "$ds_f.loaded"
echo "${SECTION_MARK} files $ds_aliases"
cat "$ds_f.files"
printf '${SECTION_MARK} shown %s\\n' "$(wc -l <"$ds_f.show")"
tr '\\n' '\\000' <"$ds_f.show" \
| xargs -0 -r systemctl show --no-pager -p Id,LoadState,ActiveState,SubState,UnitFileState --`;

/**
 * sysvinit: scripts and start links only; running a status action per script is left to `service`
 * checks. A name is printed on a line of its own, so a name holding a newline could print a line
 * that speaks for another script: the listing refuses such a name instead.
 */
const SYSV_SERVICES = `ds_nl='
'
for ds_s in /etc/init.d/* ${SYSV_START_DIRS.map((d) => `${d}/S*`).join(' ')}; do
  case $ds_s in *"$ds_nl"*) printf 'a file name holds a newline: %s\\n' "$ds_s" >&2; exit 4 ;; esac
done
for ds_s in /etc/init.d/*; do
  if [ -f "$ds_s" ] && [ -x "$ds_s" ]; then printf '${SECTION_MARK} script %s\\n' "\${ds_s##*/}"; fi
done
for ds_l in ${SYSV_START_DIRS.map((d) => `${d}/S*`).join(' ')}; do
  if [ -e "$ds_l" ] || [ -h "$ds_l" ]; then printf '${SECTION_MARK} start %s\\n' "\${ds_l##*/}"; fi
done`;

const OPENRC_SERVICES = `rc-update show -v || exit $?
printf '${SECTION_MARK} status\\n'
rc-status --all --nocolor || exit $?`;

/**
 * systemd on an image that is not booted: the unit files and their states, as systemd would find
 * them at boot; nothing is loaded, so nothing is active. systemctl exits 1, saying nothing, where
 * no unit file matches: an image without services.
 */
const UNIT_FILE_SERVICES = `ds_f="$ds_dir/units"
systemctl --root=/ list-unit-files --type=service --no-legend --no-pager --full '*.service' \
>"$ds_f" 2>"$ds_f.err"
ds_s=$?
cat "$ds_f"
if [ "$ds_s" -ne 0 ] && { [ "$ds_s" -ne 1 ] || [ -s "$ds_f" ] || [ -s "$ds_f.err" ]; }; then
  cat "$ds_f.err" >&2; echo "systemctl --root=/ list-unit-files exited $ds_s" >&2; exit 4
fi`;

export const SERVICES_SCRIPT = [
  'case $DS_INIT in',
  'systemd)',
  `if [ "$DS_BOOTED" = no ]; then echo '${SECTION_MARK} init systemd-unit-files'`,
  UNIT_FILE_SERVICES,
  `else echo '${SECTION_MARK} init systemd'`,
  SYSTEMD_SERVICES,
  'fi',
  ';;',
  `sysvinit) echo '${SECTION_MARK} init sysvinit'`,
  SYSV_SERVICES,
  ';;',
  `openrc) echo '${SECTION_MARK} init openrc'`,
  OPENRC_SERVICES,
  ';;',
  `*) echo 'no supported init system (systemd, sysvinit, openrc)' >&2; exit ${LISTING_UNSUPPORTED} ;;`,
  'esac',
].join('\n');

/** Login sessions start these; they say nothing about the machine. */
const PER_LOGIN_SERVICE = /^(user|user-runtime-dir)@\d+$/;

export const serviceInventory: InventoryPart<SnapshotService> = {
  kind: 'services',
  onImage: { holds: 'unit files and their enablement, no running state', comparableWithBooted: ['enabled'] },
  noun: 'service',
  listing: {
    type: 'framed',
    id: 'snapshot-services',
    script: SERVICES_SCRIPT,
    read: (frame, { host }) => listed(parseServicesListing(frame, listingInit(host))),
  },
  collection: listCollection(SnapshotServiceSchema, (s) => s.name),
  identity: (s) => s.name,
  attributes: attributesOf(SnapshotServiceSchema, ['name']),
  unique: true,
  generate: (snapshot) => [
    {
      id: 'services',
      title: 'Services enabled or running at the baseline',
      checks: serviceChecks(snapshot.services as SnapshotService[]),
    },
  ],
  generateNotes: () => ['   services: enabled and running as recorded (neither: not listed);'],
};

/** How the services were listed: systemd's unit files alone on an image that is not booted. */
function listingInit(host: HostFacts): ServiceListing {
  return host.initSystem === 'systemd' && host.booted === false ? 'systemd-unit-files' : host.initSystem;
}

type ServiceListing = InitSystem | 'systemd-unit-files';

function parseServicesListing(frame: Frame, init: ServiceListing): SnapshotService[] {
  const what = 'listing the services';
  requireRan(frame, what);
  if (frame.exitCode !== 0) throw listingFailure(frame, what);
  const text = frame.stdout.toString('utf8');
  const header = new RegExp(`^${SECTION_MARK} init ([\\w-]+)\\n`).exec(text);
  if (!header || header[1] !== init)
    throw new FactError(`${what}: unexpected output ${JSON.stringify(text.slice(0, 200))}`);
  const body = text.slice(header[0].length);
  switch (header[1]) {
    case 'systemd':
      return parseSystemdServices(body, what);
    case 'systemd-unit-files':
      return parseUnitFileServices(body, what);
    case 'sysvinit':
      return parseSysvServices(body, what);
    case 'openrc':
      return parseOpenrcServices(body, what);
    default:
      throw new FactError(`${what}: unexpected init system ${header[1]}`);
  }
}

/**
 * The systemd listing: `#driftspec loaded`, the `list-units` lines; `#driftspec files <aliases>`,
 * the `list-unit-files` lines; `#driftspec shown N`, then N blank-line separated `systemctl show`
 * blocks. No unit name holds "#", so no listed line starts like a marker.
 */
export function parseSystemdServices(body: string, what: string): SnapshotService[] {
  const listing = splitSystemdListing(body, what);
  const services = new Map<string, SnapshotService>();
  const add = (service: SnapshotService) => {
    if (!services.has(service.name)) services.set(service.name, service);
  };
  for (const [unit, state] of listing.loaded) {
    const fileState = listing.files.get(unit);
    if (state.load !== 'not-found' && fileState !== undefined)
      add({ name: scriptName(unit), enabled: fileState, active: state.active, sub: state.sub });
  }
  for (const block of listing.shown) {
    const properties = parseProperties(block);
    const id = properties.Id;
    if (!id || properties.LoadState === undefined || properties.ActiveState === undefined) {
      throw new FactError(
        `${what}: a unit without Id, LoadState or ActiveState (${JSON.stringify(block.slice(0, 200))})`,
      );
    }
    // Referenced by another unit but nowhere on disk: not a service of this machine.
    if (properties.LoadState === 'not-found') continue;
    add({
      name: scriptName(id),
      enabled: properties.UnitFileState || null,
      active: properties.ActiveState || null,
      sub: properties.SubState || null,
    });
  }
  if (listing.aliasesMarked) {
    for (const [unit, state] of listing.files) {
      if (listing.loaded.has(unit) || unit.endsWith('@.service') || state === 'alias') continue;
      add({ name: scriptName(unit), enabled: state, active: 'inactive', sub: 'dead' });
    }
  }
  return [...services.values()];
}

interface LoadedUnit {
  load: string;
  active: string;
  sub: string;
}

interface SystemdListing {
  loaded: Map<string, LoadedUnit>;
  files: Map<string, string>;
  aliasesMarked: boolean;
  shown: string[];
}

function splitSystemdListing(body: string, what: string): SystemdListing {
  const shape = new RegExp(
    `^${SECTION_MARK} loaded\\n([^]*?)^${SECTION_MARK} files (${ALIASES_MARKED}|${ALIASES_UNMARKED})\\n` +
      `([^]*?)^${SECTION_MARK} shown\\s*(\\d+)\\n([^]*)$`,
    'm',
  ).exec(body);
  if (shape?.index !== 0) throw new FactError(`${what}: unexpected output ${JSON.stringify(body.slice(0, 200))}`);
  const [, loadedText = '', aliases, filesText = '', count, shownText = ''] = shape;
  const shown = shownText.split(/\n\s*\n/).filter((block) => block.trim() !== '');
  if (shown.length !== Number(count)) {
    throw new FactError(`${what}: systemctl show described ${shown.length} units of ${count}`);
  }
  return {
    loaded: parseLoadedUnits(loadedText, what),
    files: parseUnitFileStates(filesText, what),
    aliasesMarked: aliases === ALIASES_MARKED,
    shown,
  };
}

/** `list-units --plain`: "UNIT LOAD ACTIVE SUB DESCRIPTION"; a failed unit may carry a mark before its name. */
function parseLoadedUnits(text: string, what: string): Map<string, LoadedUnit> {
  const units = new Map<string, LoadedUnit>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^\S*?\s*(\S+\.service)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
    if (!match) throw new FactError(`${what}: unexpected list-units line ${JSON.stringify(line.slice(0, 200))}`);
    const [, unit = '', load = '', active = '', sub = ''] = match;
    if (units.has(unit)) throw new FactError(`${what}: list-units lists ${unit} twice`);
    units.set(unit, { load, active, sub });
  }
  return units;
}

/** `list-unit-files`: "UNIT STATE [PRESET]". */
function parseUnitFileStates(text: string, what: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^(\S+\.service)\s+(\S+)(\s+\S+)?\s*$/.exec(line);
    if (!match) throw new FactError(`${what}: unexpected list-unit-files line ${JSON.stringify(line.slice(0, 200))}`);
    if (states.has(match[1]!)) throw new FactError(`${what}: list-unit-files lists ${match[1]} twice`);
    states.set(match[1]!, match[2]!);
  }
  return states;
}

/**
 * `systemctl --root=/ list-unit-files`: "UNIT STATE [PRESET]" per line. Templates (`getty@.service`)
 * are no service of their own, and an alias is its unit's other name, listed under that unit.
 */
export function parseUnitFileServices(body: string, what: string): SnapshotService[] {
  const services: SnapshotService[] = [];
  for (const [unit, state] of parseUnitFileStates(body, what)) {
    if (unit.endsWith('@.service') || state === 'alias') continue;
    services.push({ name: scriptName(unit), enabled: state, active: null, sub: null });
  }
  return services;
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
  return scripts.map((name) => ({
    name,
    enabled: started.has(name) ? 'enabled' : 'disabled',
    active: null,
    sub: null,
  }));
}

/**
 * `rc-update show -v` (" name | runlevels"), then `rc-status --all` (" name [ started ]"). Enabled:
 * in a runlevel other than those that stop the machine, as the service check's enabled() reads it.
 */
export function parseOpenrcServices(body: string, what: string): SnapshotService[] {
  const [updates = '', statuses = ''] = body.split(new RegExp(`^${SECTION_MARK} status$`, 'm'));
  const services = new Map<string, SnapshotService>();
  for (const line of updates.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^\s*(\S+)\s*\|\s*(.*)$/.exec(line);
    if (!match) throw new FactError(`${what}: unexpected rc-update line ${JSON.stringify(line.slice(0, 200))}`);
    const boot = match[2]!.split(/\s+/).filter((r) => r !== '' && !OPENRC_SHUTDOWN_RUNLEVELS.has(r));
    const enabled = boot.length === 0 ? 'disabled' : 'enabled';
    // A script whose name holds a newline can print a line that looks like another's.
    if (services.has(match[1]!)) throw new FactError(`${what}: rc-update lists ${match[1]} twice`);
    services.set(match[1]!, { name: match[1]!, enabled, active: null, sub: null });
  }
  for (const line of statuses.split('\n')) {
    const match = /^\s*(\S+)\s+\[\s*(\w+)\s*\]\s*$/.exec(line);
    if (!match) continue;
    const state = match[2]!;
    const active = state === 'started' ? 'active' : state === 'stopped' ? 'inactive' : state;
    const known = services.get(match[1]!) ?? { name: match[1]!, enabled: 'disabled', active: null, sub: null };
    // A service may show in several runlevels, always in one state: two states are a forgery.
    if (known.active !== null && known.active !== active)
      throw new FactError(`${what}: rc-status shows ${match[1]} as ${known.active} and as ${active}`);
    services.set(match[1]!, { ...known, active });
  }
  return [...services.values()];
}

function serviceChecks(services: readonly SnapshotService[]): GeneratedCheck[] {
  const checks: GeneratedCheck[] = [];
  for (const service of services) {
    if (PER_LOGIN_SERVICE.test(service.name)) continue;
    const matchers: [string, MatcherValue][] = [];
    if (service.enabled !== null && ENABLED_STATES.has(service.enabled)) matchers.push(['enabled', true]);
    if (service.active === 'active') matchers.push(['running', true]);
    if (matchers.length > 0) checks.push({ resource: 'service', subject: service.name, matchers });
  }
  return checks;
}
