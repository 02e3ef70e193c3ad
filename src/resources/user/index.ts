import { z } from 'zod';
import type { Scalar, ValueExpectation } from '../../matchers/value.js';
import { AccountNameSchema, type PasswdEntry } from '../accounts/index.js';
import { attribute, defineResource, FactError, NoArgs, NoOptions, predicate } from '../resource.js';
import { authorizedKeyMatches, describeKey } from './authorized-keys.js';
import type { UserAccount, UserKeys, UserMembership, UserShadow } from './facts.js';
import { accountQuery, keysQuery, membershipQuery, shadowQuery } from './queries.js';

export {
  AccountNameSchema,
  accountLookupQuery,
  entryLines,
  findEntryLine,
  GroupEntrySchema,
  looksNumeric,
  parseGroupLine,
  parsePasswdLine,
  parseSections,
  PasswdEntrySchema,
  requireSection,
  tableSectionScript,
  type AccountDatabase,
  type DatabaseSection,
  type GroupEntry,
  type PasswdEntry,
} from '../accounts/index.js';
export * from './authorized-keys.js';
export * from './facts.js';
export { parseUserAccount, parseUserKeys, parseUserMembership, parseUserShadow, SHADOW_DENIED } from './queries.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export function formatShadowDate(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

function readAccount<T extends Scalar | readonly Scalar[]>(pick: (entry: PasswdEntry) => T) {
  return (fact: UserAccount) => (fact.exists ? pick(fact.entry) : { absent: fact.reason });
}

function shadowDays(field: 'minDays' | 'maxDays' | 'warnDays' | 'inactiveDays', meaning: string) {
  return attribute<UserShadow, number | ValueExpectation>({
    fact: 'shadow',
    describe: `have ${meaning}`,
    read: (fact) => {
      if (!fact.exists) return { absent: fact.reason };
      const value = fact[field];
      return value === null ? { absent: `its ${meaning} is not set (the shadow field is empty)` } : value;
    },
  });
}

const KeyArgs = z
  .object({
    key: z
      .string()
      .min(1)
      .refine((k) => !k.includes('\n'), 'a key is one line'),
  })
  .strict();

export const userResource = defineResource({
  type: 'user',
  dslName: 'user',
  summary: 'A local or name-service user account: existence, ids, groups, home, shell, SSH keys and password ageing.',
  subject: AccountNameSchema,
  options: NoOptions,
  title: (name: string) => `user ${name}`,
  facts: {
    account: (name: string) => accountQuery(name),
    membership: (name: string) => membershipQuery(name),
    shadow: (name: string) => shadowQuery(name),
    authorizedKeys: (name: string) => keysQuery(name),
  },
  matchers: {
    exists: predicate<UserAccount, Record<string, never>>({
      fact: 'account',
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) =>
        fact.exists
          ? { pass: true, actual: `it exists (uid ${fact.entry.uid})` }
          : { pass: false, actual: fact.reason },
    }),
    uid: attribute<UserAccount, number | ValueExpectation>({
      fact: 'account',
      describe: 'have uid',
      read: readAccount((e) => e.uid),
    }),
    gid: attribute<UserAccount, number | ValueExpectation>({
      fact: 'account',
      describe: 'have primary gid',
      read: readAccount((e) => e.gid),
    }),
    home: attribute<UserAccount, string | ValueExpectation>({
      fact: 'account',
      describe: 'have home directory',
      read: readAccount((e) => e.home),
    }),
    shell: attribute<UserAccount, string | ValueExpectation>({
      fact: 'account',
      describe: 'have login shell',
      read: readAccount((e) => e.shell),
    }),
    group: attribute<UserMembership, string | ValueExpectation>({
      fact: 'membership',
      describe: 'have primary group',
      read: (fact) => (fact.exists ? fact.primaryGroup : { absent: fact.reason }),
    }),
    groups: attribute<UserMembership, ValueExpectation>({
      fact: 'membership',
      describe: 'be in groups',
      read: (fact) => (fact.exists ? fact.groups : { absent: fact.reason }),
    }),
    authorizedKey: predicate<UserKeys, z.infer<typeof KeyArgs>>({
      fact: 'authorizedKeys',
      args: KeyArgs,
      describe: (args) => `have authorized key ${args.key.length > 60 ? `${args.key.slice(0, 60)}…` : args.key}`,
      test: (fact, args) => {
        if (!fact.exists) return { pass: false, actual: fact.reason };
        if (!fact.fileExists) return { pass: false, actual: `${fact.path} does not exist` };
        const match = fact.keys.find((key) => authorizedKeyMatches(key, args.key));
        if (match) return { pass: true, actual: `${fact.path} has ${describeKey(match)}` };
        const listed = fact.keys.length === 0 ? 'no keys' : `only ${fact.keys.map(describeKey).join('; ')}`;
        return { pass: false, actual: `${fact.path} has ${listed}` };
      },
    }),
    minDays: shadowDays('minDays', 'minimum password age (days)'),
    maxDays: shadowDays('maxDays', 'maximum password age (days)'),
    warnDays: shadowDays('warnDays', 'password warning period (days)'),
    inactiveDays: shadowDays('inactiveDays', 'password inactivity period (days)'),
    expiresOn: attribute<UserShadow, string | ValueExpectation>({
      fact: 'shadow',
      describe: 'expire on',
      read: (fact) => {
        if (!fact.exists) return { absent: fact.reason };
        return fact.expiresOn === null
          ? { absent: 'the account has no expiry date (the shadow field is empty)' }
          : formatShadowDate(fact.expiresOn);
      },
    }),
    passwordLocked: predicate<UserShadow, Record<string, never>>({
      fact: 'shadow',
      args: NoArgs,
      describe: () => 'have a locked password',
      test: (fact) => {
        // Without an entry there is no password to be locked or not: never evidence either way.
        if (!fact.exists) throw new FactError(fact.reason);
        const actual = {
          locked: 'its password is locked ("!")',
          disabled: 'it has no usable password ("*")',
          empty: 'its password is EMPTY',
          set: 'its password is set and not locked',
        }[fact.password];
        return { pass: fact.password === 'locked' || fact.password === 'disabled', actual };
      },
    }),
  },
  shortcuts: {
    /** `user('deploy').memberOf('docker', 'adm')` is `groups: { contains: [docker, adm] }`. */
    memberOf: (...groups: string[]) => ({ matcher: 'groups', args: { contains: groups } }),
  },
});
