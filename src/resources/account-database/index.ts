import { z } from 'zod';
import { partScript, partsScript } from '../../probe/parts.js';
import {
  defineResource,
  FactError,
  NoArgs,
  NoOptions,
  predicate,
  readParts,
  requirePart,
  type FactQuery,
} from '../resource.js';
import {
  duplicates,
  fileText,
  parseGroupFile,
  parsePasswdFile,
  parseShadowStates,
  type AccountFiles,
} from './consistency.js';

const PASSWD_AND_GROUP = [partScript('passwd', 'cat /etc/passwd'), partScript('group', 'cat /etc/group')];

/**
 * Of shadow only each name and whether its password is empty, locked (`!` or `*`) or set: no
 * hash ever leaves the target.
 */
const SHADOW_STATES = partScript(
  'shadow',
  `awk -F: 'NF > 1 { s = $2 == "" ? "empty" : ($2 ~ /^[!*]/ ? "locked" : "set"); print $1 ":" s }' /etc/shadow`,
);

/**
 * The local account files: passwd and group whole (nothing secret in them) and, for the checks
 * that need it, the shadow states (a query of its own, since only root may read /etc/shadow).
 */
function accountFilesQuery(withShadow: boolean): FactQuery<AccountFiles> {
  const what = `reading the local account files${withShadow ? ' and /etc/shadow' : ''}`;
  return {
    key: withShadow ? 'account-database:shadow' : 'account-database',
    script: partsScript(withShadow ? [...PASSWD_AND_GROUP, SHADOW_STATES] : PASSWD_AND_GROUP),
    parse: (frame) => {
      const parts = readParts(frame, what);
      const users = parsePasswdFile(fileText(requirePart(parts, 'passwd', what), '/etc/passwd', what), what);
      const groups = parseGroupFile(fileText(requirePart(parts, 'group', what), '/etc/group', what), what);
      if (!withShadow) return { users, groups };
      const shadowPart = requirePart(parts, 'shadow', what);
      if (shadowPart.exitCode !== 0 && /Permission denied/.test(shadowPart.stderr.toString('utf8')))
        throw new FactError(`${what}: /etc/shadow may be read by root only: run as root or with sudo`);
      return { users, groups, shadow: parseShadowStates(fileText(shadowPart, '/etc/shadow', what), what) };
    },
  };
}

function shadowOf(fact: AccountFiles): Map<string, string> {
  if (!fact.shadow) throw new Error('a shadow check was given the account files without shadow');
  return fact.shadow;
}

const verdict = (problems: readonly string[], fine: string) =>
  problems.length === 0 ? { pass: true, actual: fine } : { pass: false, actual: problems.join('; ') };

type Verdict = { pass: boolean; actual: string };

const check = (describe: string, test: (fact: AccountFiles) => Verdict, fact: 'files' | 'withShadow' = 'files') =>
  predicate<AccountFiles, Record<string, never>>({ fact, args: NoArgs, describe: () => describe, test });

export const accountDatabaseResource = defineResource({
  type: 'account_database',
  dslName: 'accountDatabase',
  summary:
    'The consistency of the local account files (/etc/passwd, /etc/group, /etc/shadow): unique ids and ' +
    'names, existing primary groups and members, shadow entries, no empty passwords.',
  subject: z.literal('local', { error: 'the only account database is "local" (/etc/passwd, group, shadow)' }),
  options: NoOptions,
  title: () => 'the local account database',
  facts: { files: () => accountFilesQuery(false), withShadow: () => accountFilesQuery(true) },
  matchers: {
    uniqueUids: check('have unique uids', (fact) =>
      verdict(
        duplicates(
          fact.users,
          (u) => u.uid,
          (u) => u.name,
        ).map((d) => `uid ${d}`),
        'every uid is unique',
      ),
    ),
    uniqueGids: check('have unique gids', (fact) =>
      verdict(
        duplicates(
          fact.groups,
          (g) => g.gid,
          (g) => g.name,
        ).map((d) => `gid ${d}`),
        'every gid is unique',
      ),
    ),
    uniqueUserNames: check('have unique user names', (fact) =>
      verdict(
        duplicates(
          fact.users,
          (u) => u.name,
          (u) => `uid ${u.uid}`,
        ).map((d) => `user ${d}`),
        'every user name is unique',
      ),
    ),
    uniqueGroupNames: check('have unique group names', (fact) =>
      verdict(
        duplicates(
          fact.groups,
          (g) => g.name,
          (g) => `gid ${g.gid}`,
        ).map((d) => `group ${d}`),
        'every group name is unique',
      ),
    ),
    onlyRootHasUidZero: check('give uid 0 to root alone', (fact) =>
      verdict(
        fact.users.filter((u) => u.uid === 0 && u.name !== 'root').map((u) => `${u.name} has uid 0`),
        'only root has uid 0',
      ),
    ),
    primaryGroupsExist: check("have every user's primary group", (fact) => {
      const gids = new Set(fact.groups.map((g) => g.gid));
      const missing = fact.users.filter((u) => !gids.has(u.gid)).map((u) => `${u.name}: gid ${u.gid} has no group`);
      return verdict(missing, 'every primary group exists');
    }),
    groupMembersExist: check('have every group member as a user', (fact) => {
      const names = new Set(fact.users.map((u) => u.name));
      const unknown = fact.groups.flatMap((g) =>
        g.members.filter((m) => !names.has(m)).map((m) => `${g.name}: member ${m} is no user`),
      );
      return verdict(unknown, 'every group member is a user');
    }),
    shadowed: check(
      'have a shadow entry for every user and no other',
      (fact) => {
        const shadow = shadowOf(fact);
        const names = new Set(fact.users.map((u) => u.name));
        const problems = [
          ...fact.users.filter((u) => !shadow.has(u.name)).map((u) => `${u.name} has no shadow entry`),
          ...[...shadow.keys()].filter((name) => !names.has(name)).map((name) => `shadow entry ${name} is no user`),
          ...fact.users
            .filter((u) => u.passwordField === 'other')
            .map((u) => `${u.name} has a password hash in passwd`),
        ];
        return verdict(problems, 'passwd and shadow name the same users');
      },
      'withShadow',
    ),
    noEmptyPasswords: check(
      'have no account without a password',
      (fact) => {
        const shadow = shadowOf(fact);
        const empty = [
          ...fact.users.filter((u) => u.passwordField === 'empty').map((u) => `${u.name} (passwd)`),
          ...[...shadow].filter(([, state]) => state === 'empty').map(([name]) => `${name} (shadow)`),
        ];
        return verdict(empty.length === 0 ? [] : [`no password: ${empty.join(', ')}`], 'every account has a password');
      },
      'withShadow',
    ),
  },
});
