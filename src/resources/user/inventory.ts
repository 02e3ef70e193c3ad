import { z } from 'zod';
import type { Frame } from '../../probe/frames.js';
import { shellQuote } from '../../probe/quote.js';
import { stderrText } from '../inventory-listing.js';
import {
  attributesOf,
  kindMissing,
  listCollection,
  listed,
  type FramedListing,
  type GeneratedCheck,
  type InventoryPart,
  type SnapshotView,
} from '../inventory-part.js';
import { FactError, firstLines, requireRan } from '../resource.js';
import {
  entryLines,
  parsePasswdLine,
  parseSections,
  requireSection,
  tableSectionScript,
  type AccountDatabase,
} from '../user/index.js';

/** Identity: name. Every passwd field except the password placeholder. */
export const SnapshotUserSchema = z.object({
  name: z.string().min(1),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  home: z.string(),
  shell: z.string(),
  gecos: z.string(),
});
export type SnapshotUser = z.infer<typeof SnapshotUserSchema>;

/** The one account query of a snapshot, which the users and the groups parts both read. */
export const ACCOUNTS_LISTING = {
  id: 'snapshot-accounts',
  script: `${tableSectionScript('passwd')}\n${tableSectionScript('group')}`,
};

/** Every entry of one database of the account query: a failure of the query is a failure of both kinds. */
export function accountsListing<Item>(
  database: AccountDatabase,
  parse: (line: string, what: string) => Item,
): FramedListing<Item> {
  return {
    type: 'framed',
    ...ACCOUNTS_LISTING,
    read: (frame) =>
      listed(databaseEntries(frame, database).map((line) => parse(line, 'reading the account databases'))),
  };
}

function databaseEntries(frame: Frame, database: AccountDatabase): string[] {
  const what = 'reading the account databases';
  requireRan(frame, what);
  const section = requireSection(parseSections(frame.stdout.toString('utf8'), what), database, what);
  const stderr = stderrText(frame);
  if (section.exitCode !== 0) {
    throw new FactError(
      `reading the ${database} database exited ${section.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`,
    );
  }
  const entries = entryLines(section);
  if (entries.length === 0) throw new FactError(`the ${database} database listed no entry at all`);
  return entries;
}

/** First uid and gid of accounts made by people rather than packages (Debian, Fedora, Arch, Alpine). */
const FIRST_LOGIN_ID = 1000;
const NOBODY_ID = 65534;

export const userInventory: InventoryPart<SnapshotUser> = {
  kind: 'users',
  noun: 'user',
  listing: accountsListing('passwd', parsePasswdLine),
  collection: listCollection(
    SnapshotUserSchema,
    (u) => u.name,
    (u) => u.uid,
  ),
  identity: (u) => u.name,
  attributes: attributesOf(SnapshotUserSchema, ['name']),
  // A name listed twice in passwd is recorded twice: lookups find the first.
  unique: false,
  // A home made with the user (useradd -m) comes and goes with it.
  brings: (u) => [{ kind: 'files', under: u.home }],
  generate: (snapshot) => {
    const users = snapshot.users as SnapshotUser[];
    return [
      {
        id: 'accounts-login',
        title: 'Login accounts (root and uids from 1000)',
        checks: userChecks(users.filter(isLoginAccount), 'full'),
      },
      {
        id: 'accounts-system',
        title: 'System accounts',
        checks: userChecks(
          users.filter((u) => !isLoginAccount(u)),
          'brief',
        ),
      },
    ];
  },
  generateNotes: () => [
    '   accounts: login accounts in full, system accounts by uid and shell, and a command',
    '     check that prints any account or group added since (it must print nothing);',
  ],
};

function isLoginAccount(user: SnapshotUser): boolean {
  return user.uid === 0 || (user.uid >= FIRST_LOGIN_ID && user.uid !== NOBODY_ID);
}

function userChecks(users: readonly SnapshotUser[], detail: 'full' | 'brief'): GeneratedCheck[] {
  return firstByName(users).map((user) => ({
    resource: 'user',
    subject: user.name,
    matchers:
      detail === 'full'
        ? [
            ['exists', true],
            ['uid', user.uid],
            ['gid', user.gid],
            ['home', user.home],
            ['shell', user.shell],
          ]
        : [
            ['exists', true],
            ['uid', user.uid],
            ['shell', user.shell],
          ],
  }));
}

/** A name listed twice in passwd or group: the first entry is the one lookups find. */
export function firstByName<T extends { name: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.name)) return false;
    seen.add(item.name);
    return true;
  });
}

/**
 * A spec lists what must be there; an account that was added is found by a command that prints
 * every name the database has beyond the recorded ones (none: empty output). It exits 0 only when
 * the database was read, so a missing getent is a failure, never a pass.
 */
export function noOtherEntries(database: AccountDatabase, kind: string, snapshot: SnapshotView): GeneratedCheck[] {
  const names = (snapshot[kind] as Array<{ name: string }>).map((entry) => entry.name);
  if (names.length === 0 || kindMissing(snapshot, kind)) return [];
  const read =
    `if command -v getent >/dev/null; then entries=$(getent ${database}) || exit 2; ` +
    `else entries=$(cat /etc/${database}) || exit 2; fi`;
  const others = [...new Set(names)].map((name) => ` -e ${shellQuote(name)}`).join('');
  const filter = `printf '%s\\n' "$entries" | cut -d: -f1 | grep -vxF${others}; [ $? -le 1 ]`;
  return [
    {
      resource: 'command',
      subject: `${read}; ${filter}`,
      matchers: [
        ['exitStatus', 0],
        ['stdout', ''],
      ],
    },
  ];
}
