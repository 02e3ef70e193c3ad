import { z } from 'zod';

/** Starts the section lines of the service snapshot (src/drift); checks read nested parts instead. */
export { SECTION_MARK } from '../inventory-listing.js';

/** sysvinit links that start a service at boot: rcS.d (every boot) and the multi-user runlevels. */
export const SYSV_START_DIRS = ['/etc/rcS.d', '/etc/rc2.d', '/etc/rc3.d', '/etc/rc4.d', '/etc/rc5.d'] as const;

/** Runlevels openrc enters to stop the machine: `shutdown`, and Debian's `off` (its rc 0 and rc 6). */
export const OPENRC_SHUTDOWN_RUNLEVELS: ReadonlySet<string> = new Set(['shutdown', 'off']);

const StatusCommandResultSchema = z.object({ exitCode: z.number().int(), output: z.string() });
export type StatusCommandResult = z.infer<typeof StatusCommandResultSchema>;

/**
 * Every property `systemctl show` printed (some 250 per unit), checked in one pass: a per-entry
 * zod record check cost more than the rest of the parse, once per service on every host.
 */
const StringRecordSchema = z.custom<Record<string, string>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string'),
  'expected a record of strings',
);

export const SystemdServiceSchema = z.object({
  init: z.literal('systemd'),
  name: z.string(),
  /** Every property `systemctl show` printed; LoadState, ActiveState and SubState are always there. */
  properties: StringRecordSchema,
  /** The properties printed more than once (list properties such as Listen, ExecStart): every value. */
  repeated: z.record(z.string(), z.array(z.string())).optional(),
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
  status: StatusCommandResultSchema.nullable(),
  /** Links named exactly S<nn><name> in the start directories, such as /etc/rc2.d/S01ssh. */
  startLinks: z.array(z.string()),
});
export type SysvService = z.infer<typeof SysvServiceSchema>;

export const OpenrcServiceSchema = z.object({
  init: z.literal('openrc'),
  name: z.string(),
  exists: z.boolean(),
  /** `rc-service NAME status`; null when the service does not exist. */
  status: StatusCommandResultSchema.nullable(),
  /** The runlevels `rc-update show -v` lists the service in. */
  runlevels: z.array(z.string()),
});
export type OpenrcService = z.infer<typeof OpenrcServiceSchema>;

/**
 * A systemd unit of an image that is not running, read from its unit files alone
 * (`systemctl --root=/ is-enabled`): there is no unit loaded, so no properties and no state.
 */
export const SystemdUnitFileSchema = z.object({
  init: z.literal('systemd-unit-files'),
  name: z.string(),
  /** The word `systemctl --root=/ is-enabled` printed, or "not-found". */
  unitFileState: z.string().nullable(),
  unitFileStateError: z.string().nullable(),
  /** For an alias: the unit its link names and that unit's state. */
  aliasOf: z.object({ unit: z.string(), unitFileState: z.string() }).nullable(),
});
export type SystemdUnitFile = z.infer<typeof SystemdUnitFileSchema>;

export const ServiceFactSchema = z.discriminatedUnion('init', [
  SystemdServiceSchema,
  SystemdUnitFileSchema,
  SysvServiceSchema,
  OpenrcServiceSchema,
]);
export type ServiceFact = z.infer<typeof ServiceFactSchema>;

/** `ssh.service` and `ssh` are one service; init scripts carry no suffix. */
export function scriptName(name: string): string {
  return name.endsWith('.service') && name !== '.service' ? name.slice(0, -'.service'.length) : name;
}

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

/** Unit file states that count as enabled; an alias is judged by the state of the unit it names. */
export const ENABLED_STATES: ReadonlySet<string> = new Set(['enabled', 'enabled-runtime', 'indirect', 'generated']);

/** Where systemd looks for unit files, earliest first (systemd.unit(5), system units). */
export const SYSTEM_UNIT_DIRECTORIES = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
] as const;

const UNIT_SUFFIXES = /\.(service|socket|target|timer|path|mount|automount|swap|slice|scope|device)$/;

/** The unit file a name stands for: `ssh` is `ssh.service`, as systemctl reads it. */
export function unitFileName(name: string): string {
  return UNIT_SUFFIXES.test(name) ? name : `${name}.service`;
}
