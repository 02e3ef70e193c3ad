import { z } from 'zod';
import { attribute, defineResource, FactError, NoArgs, predicate } from '../resource.js';
import { appArmorState, type AppArmorProfile, type AppArmorState } from './apparmor.js';
import { LSM_SCRIPT, parseLsmFiles } from './query.js';
import { selinuxState, type SelinuxMode, type SelinuxState } from './selinux.js';

export { LSM_SCRIPT, parseLsmFiles, type LsmFiles } from './query.js';
export { selinuxState, type SelinuxState } from './selinux.js';
export { appArmorState, type AppArmorState } from './apparmor.js';

const LocalSubject = z.literal('local', { error: 'the only subject is "local" (the kernel the probe runs on)' });

const lsmQuery = <F>(read: (files: ReturnType<typeof parseLsmFiles>) => F) => ({
  key: 'lsm',
  script: LSM_SCRIPT,
  parse: (frame: Parameters<typeof parseLsmFiles>[0]) => read(parseLsmFiles(frame)),
});

function modeIs(wanted: SelinuxMode) {
  return predicate<SelinuxState, Record<string, never>>({
    fact: 'state',
    needsRunningSystem: true,
    args: NoArgs,
    describe: () => `be ${wanted}`,
    test: (fact) => ({ pass: fact.mode === wanted, actual: `it is ${fact.mode} (${fact.evidence})` }),
  });
}

function configured(fact: SelinuxState, key: 'mode' | 'policy') {
  if (fact.configured === null) return { absent: '/etc/selinux/config does not exist' };
  const name = key === 'mode' ? 'SELINUX' : 'SELINUXTYPE';
  return fact.configured[key] ?? { absent: `/etc/selinux/config sets no ${name}` };
}

export const selinuxResource = defineResource({
  type: 'selinux',
  summary: 'SELinux: its mode (enforcing, permissive, disabled) as getenforce tells it, and its configuration.',
  subject: LocalSubject,
  options: z.object({}).strict(),
  title: () => 'SELinux',
  facts: { state: () => lsmQuery(selinuxState) },
  matchers: {
    mode: attribute<SelinuxState>({
      fact: 'state',
      needsRunningSystem: true,
      describe: 'have mode',
      read: (fact) => fact.mode,
    }),
    enforcing: modeIs('enforcing'),
    permissive: modeIs('permissive'),
    disabled: modeIs('disabled'),
    configuredMode: attribute<SelinuxState>({
      fact: 'state',
      describe: 'have configured mode',
      read: (fact) => configured(fact, 'mode'),
    }),
    policy: attribute<SelinuxState>({
      fact: 'state',
      describe: 'have configured policy',
      read: (fact) => configured(fact, 'policy'),
    }),
  },
});

function loadedProfiles(fact: AppArmorState): AppArmorProfile[] {
  if ('unknown' in fact.profiles)
    throw new FactError(`the loaded profiles could not be read: ${fact.profiles.unknown}`);
  return fact.profiles;
}

const ProfileArgs = z
  .object({
    profile: z.string().min(1),
    /** enforce, complain, kill, unconfined; any mode where not given. */
    mode: z.string().min(1).optional(),
  })
  .strict();

export const apparmorResource = defineResource({
  type: 'apparmor',
  summary: 'AppArmor: enabled, and its loaded profiles with their modes (enforce, complain).',
  subject: LocalSubject,
  options: z.object({}).strict(),
  title: () => 'AppArmor',
  facts: { state: () => lsmQuery(appArmorState) },
  matchers: {
    enabled: predicate<AppArmorState, Record<string, never>>({
      fact: 'state',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be enabled',
      test: (fact) => ({ pass: fact.enabled, actual: fact.evidence }),
    }),
    profiles: attribute<AppArmorState>({
      fact: 'state',
      needsRunningSystem: true,
      describe: 'have loaded profiles',
      read: (fact) => loadedProfiles(fact).map((p) => p.name),
    }),
    hasProfile: predicate<AppArmorState, z.infer<typeof ProfileArgs>>({
      fact: 'state',
      needsRunningSystem: true,
      args: ProfileArgs,
      describe: (args) => `have profile ${JSON.stringify(args.profile)}${args.mode ? ` in ${args.mode} mode` : ''}`,
      test: (fact, args) => {
        const profiles = loadedProfiles(fact);
        if (!fact.enabled) return { pass: false, actual: `no profile is loaded: ${fact.evidence}` };
        const found = profiles.find((p) => p.name === args.profile);
        if (!found) return { pass: false, actual: `it is not among the ${profiles.length} loaded profiles` };
        return {
          pass: args.mode === undefined || found.mode === args.mode,
          actual: `it is loaded in ${found.mode} mode`,
        };
      },
    }),
  },
});
