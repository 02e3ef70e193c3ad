import { z } from 'zod';
import { ENABLED_STATES } from '../service/facts.js';
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
import { parseTimer, type TimerFact, type TimerRuntime } from './facts.js';
import { timersScript } from './query.js';
import type { TimerSettings } from './unit-file.js';

export { parseTimer, type TimerFact } from './facts.js';
export { timersScript, TIMER_LISTING_SCRIPT } from './query.js';
export { timerSettings } from './unit-file.js';

const TimerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9:_.\\@-]{1,250}\.timer$/, 'a timer unit name ending in ".timer" (apt-daily.timer)');

function timerQuery(name: string): FactQuery<TimerFact> {
  const group = { key: 'systemd-timer', member: name, script: timersScript };
  return groupedQuery(`systemd-timer:${name}`, group, (frame, host) => parseTimer(frame, name, host.booted !== false));
}

const NOT_FOUND = new Set(['not-found']);

function settingsOf(fact: TimerFact): TimerSettings | { absent: string } {
  if (fact.settings) return fact.settings;
  return { absent: `there is no unit file ${fact.name} (systemctl --root=/ is-enabled says "${fact.unitFileState}")` };
}

function runtimeOf(fact: TimerFact): TimerRuntime {
  if (fact.runtimeUnknown !== undefined) throw new FactError(fact.runtimeUnknown);
  if (!fact.runtime) throw new FactError('no running systemd was asked');
  return fact.runtime;
}

function settingAttribute(describe: string, read: (settings: TimerSettings) => string | string[] | boolean) {
  return attribute<TimerFact>({
    fact: 'timer',
    describe,
    read: (fact) => {
      const settings = settingsOf(fact);
      return 'absent' in settings ? settings : read(settings);
    },
  });
}

function runtimeAttribute(describe: string, read: (runtime: TimerRuntime) => string) {
  return attribute<TimerFact>({
    fact: 'timer',
    needsRunningSystem: true,
    describe,
    read: (fact) => {
      const runtime = runtimeOf(fact);
      if (runtime.loadState !== 'loaded')
        return { absent: `systemd has not loaded it (LoadState=${runtime.loadState})` };
      const value = read(runtime);
      return value === '' ? { absent: 'systemd has no such time for it' } : value;
    },
  });
}

export const systemdTimerResource = defineResource({
  type: 'systemd_timer',
  dslName: 'systemdTimer',
  summary:
    'A systemd timer: exists, enabled (offline, systemctl --root=/), active, OnCalendar and monotonic settings, ' +
    'the unit it triggers, last and next trigger (systemctl show).',
  subject: TimerNameSchema,
  options: NoOptions,
  title: (name: string) => `systemd timer ${name}`,
  facts: { timer: (name: string) => timerQuery(name) },
  matchers: {
    exists: predicate<TimerFact, Record<string, never>>({
      fact: 'timer',
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) => ({
        pass: !NOT_FOUND.has(fact.unitFileState),
        actual: `systemctl --root=/ is-enabled says "${fact.unitFileState}"`,
      }),
    }),
    enabled: predicate<TimerFact, Record<string, never>>({
      fact: 'timer',
      args: NoArgs,
      describe: () => 'be enabled',
      test: (fact) => ({
        pass: ENABLED_STATES.has(fact.unitFileState),
        actual: `systemctl --root=/ is-enabled says "${fact.unitFileState}"`,
      }),
    }),
    active: predicate<TimerFact, Record<string, never>>({
      fact: 'timer',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be active',
      test: (fact) => {
        const runtime = runtimeOf(fact);
        return {
          pass: runtime.activeState === 'active',
          actual: `it is ${runtime.activeState} (${runtime.subState}), LoadState=${runtime.loadState}`,
        };
      },
    }),
    onCalendar: settingAttribute('have OnCalendar', (s) => s.onCalendar),
    monotonic: settingAttribute('have monotonic settings', (s) => s.monotonic),
    persistent: settingAttribute('have Persistent', (s) => s.persistent),
    triggers: settingAttribute('trigger unit', (s) => s.unit),
    lastTrigger: runtimeAttribute('have last triggered at', (r) => r.lastTrigger),
    nextTrigger: runtimeAttribute('have next trigger at', (r) => r.nextElapse),
  },
});
