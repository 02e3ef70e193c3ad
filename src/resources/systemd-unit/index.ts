import { z } from 'zod';
import { describeValueMatcher, matchValue, toValueMatcher, type ActualValue } from '../../matchers/value.js';
import type { HostFacts } from '../../probe/host.js';
import {
  attribute,
  defineResource,
  FactError,
  groupedQuery,
  NoArgs,
  NoOptions,
  predicate,
  type FactQuery,
} from '../resource.js';
import {
  enabledOutcome,
  installedOutcome,
  maskedOutcome,
  PropertyArgs,
  type SystemdService,
} from '../service/index.js';
import { notLoadedReason, parseUnit, unitsScript, type UnitFact } from './query.js';

export { NO_SYSTEMCTL, parseUnit, unitsScript, type UnitFact } from './query.js';

type Outcome = { pass: boolean; actual: string };

/** Every unit type systemctl knows (systemd.unit(5)). */
export const UNIT_TYPES = [
  'service',
  'socket',
  'target',
  'device',
  'mount',
  'automount',
  'swap',
  'path',
  'timer',
  'slice',
  'scope',
] as const;

const UnitNameSchema = z
  .string()
  .regex(
    new RegExp(`^[A-Za-z0-9:_.\\\\@-]{1,250}\\.(${UNIT_TYPES.join('|')})$`),
    `a unit name with its type, such as ssh.socket or -.mount (one of: ${UNIT_TYPES.join(', ')})`,
  );

function unitQuery(name: string): FactQuery<UnitFact> {
  const group = { key: 'systemd-unit', member: name, script: unitsScript };
  return groupedQuery(`systemd-unit:${name}`, group, (frame, host) => parseUnit(frame, name, host));
}

function loaded(fact: UnitFact, host: HostFacts): SystemdService {
  if (fact.init === 'systemd') return fact;
  throw new FactError(notLoadedReason(host));
}

function state(key: 'LoadState' | 'ActiveState' | 'SubState') {
  return (fact: UnitFact, host: HostFacts) => loaded(fact, host).properties[key] ?? '';
}

function activeOutcome(fact: UnitFact, _args: unknown, host: HostFacts): Outcome {
  const unit = loaded(fact, host);
  const { LoadState: load, ActiveState: active, SubState: sub } = unit.properties;
  const pass = active === 'active' || active === 'reloading';
  const missing = load === 'not-found' && !pass ? `systemd has no unit ${unit.name} and ` : '';
  return { pass, actual: `${missing}it is ${active} (${sub})` };
}

/**
 * A property as `systemctl show` prints it: a list property printed once per entry (Listen,
 * ExecStart) is every entry, so a plain value or `matches` asks whether one of them matches.
 */
export function propertyValue(fact: UnitFact, name: string, host: HostFacts): ActualValue {
  const unit = loaded(fact, host);
  const all = unit.repeated?.[name];
  if (all) return all;
  const value = unit.properties[name];
  // An unknown name is a typo or a property of another unit type: never evidence for `not`.
  if (value === undefined)
    throw new FactError(`systemctl show printed no property ${name} for ${unit.name} (names are case-sensitive)`);
  return value;
}

function propertyOutcome(fact: UnitFact, args: PropertyArgs, host: HostFacts): Outcome {
  const value = propertyValue(fact, args.name, host);
  const said = Array.isArray(value) ? value.map((v) => JSON.stringify(v)).join(', ') : JSON.stringify(value);
  return { pass: matchValue(value, toValueMatcher(args.value)), actual: `${args.name} is ${said}` };
}

function enabledState(fact: UnitFact): string {
  if (fact.unitFileState === null) throw new FactError(fact.unitFileStateError ?? 'systemctl is-enabled gave no state');
  return fact.unitFileState;
}

/** The service outcomes, worded for any host: unit files are not only an image's. */
function unitPredicate(describe: string, outcome: (fact: UnitFact) => Outcome) {
  const test = (fact: UnitFact): Outcome => {
    const { pass, actual } = outcome(fact);
    return {
      pass,
      actual: actual.replace(/^the image has (no )?unit /, (_, no) => `there is ${no ? 'no' : 'a'} unit file for `),
    };
  };
  return predicate<UnitFact, Record<string, never>>({ fact: 'unit', args: NoArgs, describe: () => describe, test });
}

function stateAttribute(describe: string, key: 'LoadState' | 'ActiveState' | 'SubState') {
  return attribute<UnitFact>({ fact: 'unit', needsRunningSystem: true, describe, read: state(key) });
}

export const systemdUnitResource = defineResource({
  type: 'systemd_unit',
  dslName: 'systemdUnit',
  summary:
    'A systemd unit of any type (socket, mount, target, path, timer, slice, scope, device, automount, swap, ' +
    'service): exists, enabled, masked, active, load/active/sub state and any property of systemctl show.',
  subject: UnitNameSchema,
  options: NoOptions,
  title: (name: string) => `systemd unit ${name}`,
  facts: { unit: (name: string) => unitQuery(name) },
  matchers: {
    exists: unitPredicate('exist', installedOutcome),
    enabled: unitPredicate('be enabled', enabledOutcome),
    masked: unitPredicate('be masked', maskedOutcome),
    active: predicate<UnitFact, Record<string, never>>({
      fact: 'unit',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be active',
      test: activeOutcome,
    }),
    enabledState: attribute<UnitFact>({ fact: 'unit', describe: 'have unit file state', read: enabledState }),
    loadState: stateAttribute('have LoadState', 'LoadState'),
    activeState: stateAttribute('have ActiveState', 'ActiveState'),
    subState: stateAttribute('have SubState', 'SubState'),
    property: predicate<UnitFact, PropertyArgs>({
      fact: 'unit',
      needsRunningSystem: true,
      args: PropertyArgs,
      describe: (args) => `have property ${args.name} ${describeValueMatcher(toValueMatcher(args.value))}`,
      test: propertyOutcome,
    }),
  },
});
