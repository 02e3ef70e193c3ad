import { z } from 'zod';
import {
  describeValueMatcher,
  matchValue,
  toValueMatcher,
  ValueMatcherSchema,
  type ValueExpectation,
} from '../../matchers/value.js';
import { attribute, defineResource, FactError, firstLines, NoArgs, NoOptions, predicate } from '../resource.js';
import {
  ENABLED_STATES,
  OPENRC_SHUTDOWN_RUNLEVELS,
  SYSV_START_DIRS,
  UNIT_FILE_STATES,
  type ServiceFact,
  type StatusCommandResult,
  type SystemdService,
  type SystemdUnitFile,
} from './facts.js';
import { serviceQuery } from './query.js';

export {
  ENABLED_STATES,
  OPENRC_SHUTDOWN_RUNLEVELS,
  OpenrcServiceSchema,
  scriptName,
  SECTION_MARK,
  ServiceFactSchema,
  SYSV_START_DIRS,
  SystemdServiceSchema,
  SystemdUnitFileSchema,
  SysvServiceSchema,
  UNIT_FILE_STATES,
  type OpenrcService,
  type SystemdUnitFile,
  type ServiceFact,
  type StatusCommandResult,
  type SystemdService,
  type SysvService,
} from './facts.js';
export { parseGroupedService, serviceGroupScript, systemdParts } from './query.js';
export { parseUnitFile, unitFileParts } from './unit-files.js';
export { parseProperties, parseSystemd } from './systemd.js';

interface Outcome {
  pass: boolean;
  actual: string;
}

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

export function installedOutcome(fact: ServiceFact): Outcome {
  switch (fact.init) {
    case 'systemd':
      return unitExists(fact)
        ? { pass: true, actual: `systemd knows ${unitLabel(fact)} (LoadState=${prop(fact, 'LoadState')})` }
        : { pass: false, actual: `systemd has no unit ${unitLabel(fact)} (LoadState=not-found)` };
    case 'systemd-unit-files':
      return unitFileInstalled(fact);
    case 'sysvinit':
      return fact.script === 'present'
        ? { pass: true, actual: `/etc/init.d/${fact.name} exists` }
        : { pass: false, actual: `there is no /etc/init.d/${fact.name}` };
    case 'openrc':
      return fact.exists
        ? { pass: true, actual: `openrc knows ${fact.name}` }
        : { pass: false, actual: `openrc has no service ${fact.name}` };
  }
}

export function enabledOutcome(fact: ServiceFact): Outcome {
  switch (fact.init) {
    case 'systemd':
      return systemdEnabled(fact);
    case 'systemd-unit-files':
      return unitFileEnabled(fact);
    case 'sysvinit': {
      if (fact.script === 'absent') return { pass: false, actual: `there is no /etc/init.d/${fact.name}` };
      if (fact.startLinks.length > 0) return { pass: true, actual: `it has start links ${fact.startLinks.join(', ')}` };
      return { pass: false, actual: `it has no S<nn>${fact.name} start link in ${SYSV_START_DIRS.join(', ')}` };
    }
    case 'openrc': {
      if (!fact.exists) return { pass: false, actual: `openrc has no service ${fact.name}` };
      const boot = fact.runlevels.filter((r) => !OPENRC_SHUTDOWN_RUNLEVELS.has(r));
      if (boot.length > 0) return { pass: true, actual: `it is in runlevel ${fact.runlevels.join(', ')}` };
      return {
        pass: false,
        actual: fact.runlevels.length ? `it is only in runlevel ${fact.runlevels.join(', ')}` : 'it is in no runlevel',
      };
    }
  }
}

const NOT_RUNNING = 'the image is not booted: nothing runs in it';

function offlineState(fact: SystemdUnitFile): string {
  if (fact.unitFileState === null) throw new FactError(fact.unitFileStateError ?? 'systemctl is-enabled gave no state');
  return fact.unitFileState;
}

/** A unit file of the name, however it stands (enabled, static, masked): systemd would load it at boot. */
function unitFileInstalled(fact: SystemdUnitFile): Outcome {
  const state = offlineState(fact);
  const said = `systemctl --root=/ is-enabled says "${state}"`;
  return state === 'not-found'
    ? { pass: false, actual: `the image has no unit ${fact.name} (${said})` }
    : { pass: true, actual: `the image has unit ${fact.name} (${said})` };
}

/** As systemdEnabled, from the unit files: an alias is judged by the state of the unit its link names. */
function unitFileEnabled(fact: SystemdUnitFile): Outcome {
  const state = offlineState(fact);
  const said = `systemctl --root=/ is-enabled says "${state}"`;
  if (state === 'not-found') return { pass: false, actual: `the image has no unit ${fact.name} (${said})` };
  if (state === 'bad') throw new FactError(`${said}: the unit file is invalid, so whether it is enabled is unknown`);
  const alias = fact.aliasOf;
  if (state === 'alias' && alias) {
    if (alias.unitFileState === 'bad') throw new FactError(`${said}; ${alias.unit} has an invalid unit file`);
    const pass = ENABLED_STATES.has(alias.unitFileState);
    return { pass, actual: `${said}; it names ${alias.unit}, which is "${alias.unitFileState}"` };
  }
  return { pass: state === 'alias' || ENABLED_STATES.has(state), actual: said };
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
  if (fact.unitFileState === 'bad')
    throw new FactError(`${said}: the unit file is invalid, so whether it is enabled is unknown`);
  if (fact.unitFileState === 'alias') {
    const target = prop(fact, 'UnitFileState');
    if (target && target !== 'alias' && (UNIT_FILE_STATES as readonly string[]).includes(target)) {
      if (target === 'bad') throw new FactError(`${said}; ${unitLabel(fact)} has an invalid unit file`);
      return { pass: ENABLED_STATES.has(target), actual: `${said}; it names ${unitLabel(fact)}, which is "${target}"` };
    }
  }
  // An alias whose unit's state is unknown: `systemctl is-enabled` says "alias" and exits 0.
  return { pass: fact.unitFileState === 'alias' || ENABLED_STATES.has(fact.unitFileState), actual: said };
}

function runningOutcome(fact: ServiceFact): Outcome {
  switch (fact.init) {
    case 'systemd': {
      const state = `${prop(fact, 'ActiveState')} (${prop(fact, 'SubState')})`;
      const running = ['active', 'reloading'].includes(prop(fact, 'ActiveState'));
      if (!unitExists(fact) && !running)
        return { pass: false, actual: `systemd has no unit ${unitLabel(fact)} and it is ${state}` };
      return { pass: running, actual: `it is ${state}` };
    }
    case 'systemd-unit-files':
      throw new FactError(NOT_RUNNING);
    case 'sysvinit':
      if (fact.script === 'absent' || !fact.status)
        return { pass: false, actual: `there is no /etc/init.d/${fact.name}` };
      return lsbStatus(`/etc/init.d/${fact.name}`, fact.status);
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

/**
 * LSB init script status codes: 0 running, 1–3 not running, 4 unknown; nothing else is defined.
 * `script` is the script as the message names it (`/etc/init.d/ssh`).
 */
function lsbStatus(script: string, status: StatusCommandResult): Outcome {
  const said = status.output ? `: ${JSON.stringify(firstLines(status.output, 2))}` : '';
  // A script without a status action prints its usage and exits 1 or 3, which LSB would read as "not running".
  if (/^\s*Usage:/m.test(status.output)) throw new FactError(`${script} has no status action${said}`);
  if (status.exitCode === 0) return { pass: true, actual: `it is running (LSB status 0${said})` };
  const notRunning = LSB_NOT_RUNNING[status.exitCode];
  if (notRunning) return { pass: false, actual: `${notRunning}${said}` };
  if (status.exitCode === 4) throw new FactError(`${script} status: the status is unknown (LSB status 4)${said}`);
  throw new FactError(`${script} status exited ${status.exitCode}, which LSB does not define${said}`);
}

/** openrc-run's status: 0 started, 3 stopped, 4 stopping, 8 starting, 16 inactive, 32 crashed. */
const OPENRC_NOT_RUNNING: Record<number, string> = {
  3: 'stopped',
  4: 'stopping',
  8: 'starting',
  16: 'inactive',
  32: 'crashed',
};

/** The line openrc-run's status action prints (` * status: started`); an LSB script prints its own words. */
const OPENRC_RUN_STATUS = /^ \* status: [a-z]+$/m;

/**
 * rc-service runs an openrc-run script's status action, or an LSB script (what Debian's packages
 * ship) as it is: its exit codes are LSB's then, where 1 and 2 mean not running and 4 unknown.
 */
function openrcStatus(name: string, status: StatusCommandResult): Outcome {
  const said = status.output ? `: ${firstLines(status.output, 3)}` : '';
  // openrc-run refuses to act on a system openrc did not boot, and exits 1.
  if (/openrc did not boot/.test(status.output))
    throw new FactError(`rc-service ${name} status: openrc did not boot this system${said}`);
  // rc-service's own complaint (the script went away after --exists): no status of the service's.
  if (/^ \* rc-service: /m.test(status.output)) throw new FactError(`rc-service ${name} status failed${said}`);
  if (!OPENRC_RUN_STATUS.test(status.output)) return lsbStatus(`rc-service ${name}`, status);
  if (status.exitCode === 0) return { pass: true, actual: 'it is started' };
  const state = OPENRC_NOT_RUNNING[status.exitCode];
  if (state) return { pass: false, actual: `it is ${state}` };
  if (status.exitCode === 64)
    throw new FactError(
      `rc-service ${name} status: its supervise-daemon is gone, so whether it runs is unknown${said}`,
    );
  throw new FactError(`rc-service ${name} status exited ${status.exitCode}${said}`);
}

function requireSystemd(fact: ServiceFact, what: string): SystemdService {
  if (fact.init === 'systemd') return fact;
  if (fact.init === 'systemd-unit-files') throw new FactError(NOT_RUNNING);
  throw new FactError(`only systemd knows ${what}; this host uses ${fact.init}`);
}

export function maskedOutcome(fact: ServiceFact): Outcome {
  if (fact.init === 'systemd-unit-files') {
    const state = offlineState(fact);
    return { pass: MASKED_STATES.has(state), actual: `systemctl --root=/ is-enabled says "${state}"` };
  }
  const unit = requireSystemd(fact, 'masked units');
  const loadState = prop(unit, 'LoadState');
  const masked = loadState === 'masked' || MASKED_STATES.has(unit.unitFileState ?? '');
  return {
    pass: masked,
    actual: `LoadState=${loadState}${unit.unitFileState ? `, systemctl is-enabled says "${unit.unitFileState}"` : ''}`,
  };
}

/** A property is keyed by name, so it is a predicate whose arguments carry the name and a value matcher. */
export const PropertyArgs = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a systemd property name is letters and digits, such as Type or ExecStart'),
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
  if (value === undefined)
    throw new FactError(
      `systemctl show printed no property ${args.name} for ${unitLabel(unit)} (names are case-sensitive)`,
    );
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

function simplePredicate(describe: string, outcome: (fact: ServiceFact) => Outcome, needsRunningSystem = false) {
  return predicate<ServiceFact, Record<string, never>>({
    fact: 'service',
    needsRunningSystem,
    args: NoArgs,
    describe: () => describe,
    test: (fact) => outcome(fact),
  });
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
    running: simplePredicate('be running', runningOutcome, true),
    masked: simplePredicate('be masked', maskedOutcome),
    property: predicate<ServiceFact, PropertyArgs>({
      fact: 'service',
      needsRunningSystem: true,
      args: PropertyArgs,
      describe: (args) => `have property ${args.name} ${describeValueMatcher(toValueMatcher(args.value))}`,
      test: propertyOutcome,
    }),
    activeState: attribute<ServiceFact>({
      fact: 'service',
      needsRunningSystem: true,
      describe: 'have ActiveState',
      read: readProperty('ActiveState'),
    }),
    subState: attribute<ServiceFact>({
      fact: 'service',
      needsRunningSystem: true,
      describe: 'have SubState',
      read: readProperty('SubState'),
    }),
  },
  shortcuts: {
    /** The same check as installed(): the init system knows the service. */
    exists: () => ({ matcher: 'installed', args: {} }),
  },
});
