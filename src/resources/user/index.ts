import { z } from 'zod';
import { shellQuote } from '../../probe/quote.js';
import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import type { Scalar, ValueExpectation } from '../../matchers/value.js';
import {
  attribute,
  defineResource,
  FactError,
  firstLines,
  NoArgs,
  NoOptions,
  predicate,
  requireRan,
  groupedQuery,
  validateFact,
  type FactQuery,
} from '../resource.js';

// ---------------------------------------------------------------------------------------------
// Name-service lookups (shared with group.ts)
//
// Every query prints sections: a line `@@<database> lookup|table`, the entries, then
// `@@exit <status of the tool>`. "lookup" is `getent <db> -- NAME` (exit 2 means not found);
// "table" is the whole database (`getent <db>`, or /etc/<db> where there is no getent), filtered
// to the exact name here. A passwd or group entry always holds ':' and never starts with "@@".

export type AccountDatabase = 'passwd' | 'group';

/**
 * getent (glibc and musl) looks a key up by id whenever strtoul(3) reads all of it as a number,
 * so `getent passwd -- 1234` never finds a user NAMED 1234. Such names are looked up in the
 * whole table instead.
 */
export function looksNumeric(name: string): boolean {
  return /^\s*[+-]?\d+$/.test(name);
}

/** A name that can be an account: ':' and newlines would break the database's own format. */
export const AccountNameSchema = z
  .string()
  .min(1)
  .refine((n) => !/[:\n\0]/.test(n), 'an account name cannot contain ":", a newline or a NUL byte');

export function lookupSectionScript(database: AccountDatabase, name: string): string {
  return looksNumeric(name) ? tableLookupScript(database) : groupLookupScript(database, [name]);
}

function tableLookupScript(database: AccountDatabase): string {
  return `if ds_has getent; then echo '@@${database} table'; getent ${database}\nelse echo '@@${database} table'; cat /etc/${database}; fi\nprintf '\\n@@exit %s\\n' "$?"`;
}

/**
 * One `getent` for several names (it exits 2 when any of them is not found). The section names
 * its keys in `@@key NAME` lines, so that an entry answering for none of them (a directory that
 * matches names case-insensitively) is recognised as such. Names that look numeric are never
 * grouped: getent would read them as ids.
 */
export function groupLookupScript(database: AccountDatabase, names: readonly string[]): string {
  const quoted = names.map(shellQuote).join(' ');
  const keys = `printf '@@key %s\\n' ${quoted}`;
  return `if ds_has getent; then echo '@@${database} lookup'; ${keys}; getent ${database} -- ${quoted}\nelse echo '@@${database} table'; cat /etc/${database}; fi\nprintf '\\n@@exit %s\\n' "$?"`;
}

/** The fact query of one account lookup: grouped with the other names unless it looks numeric. */
export function accountLookupQuery<F>(database: AccountDatabase, name: string, parse: FactQuery<F>['parse']): FactQuery<F> {
  const key = `${database === 'passwd' ? 'user' : 'group'}:${name}`;
  if (looksNumeric(name)) return { key, script: tableLookupScript(database), parse };
  return groupedQuery(key, { key: `${database}-lookup`, member: name, script: (names) => groupLookupScript(database, names) }, parse);
}

export function tableSectionScript(database: AccountDatabase): string {
  return `echo '@@${database} table'\nif ds_has getent; then getent ${database}; else cat /etc/${database}; fi\nprintf '\\n@@exit %s\\n' "$?"`;
}

export interface Section {
  database: string;
  mode: 'lookup' | 'table';
  exitCode: number;
  lines: string[];
  /** The names a lookup asked for, when the section lists them. */
  keys: string[];
}

/** Splits a frame's stdout into sections; blank lines carry nothing and are dropped. */
export function parseSections(text: string, what: string): Section[] {
  const sections: Section[] = [];
  let open: Omit<Section, 'exitCode'> | undefined;
  for (const line of text.split('\n')) {
    const start = /^@@(\w+) (lookup|table)$/.exec(line);
    const end = /^@@exit (\d+)$/.exec(line);
    if (start) {
      if (open) throw new FactError(`${what}: unexpected output (section ${open.database} has no exit status)`);
      open = { database: start[1]!, mode: start[2] as Section['mode'], lines: [], keys: [] };
    } else if (open && line.startsWith('@@key ')) {
      open.keys.push(line.slice('@@key '.length));
    } else if (end) {
      if (!open) throw new FactError(`${what}: unexpected output (an exit status outside any section)`);
      sections.push({ ...open, exitCode: Number(end[1]) });
      open = undefined;
    } else if (line !== '') {
      if (!open) throw new FactError(`${what}: unexpected output ${JSON.stringify(line.slice(0, 200))}`);
      open.lines.push(line);
    }
  }
  if (open) throw new FactError(`${what}: the output stopped inside the ${open.database} section`);
  return sections;
}

export function requireSection(sections: Section[], database: string, what: string): Section {
  const section = sections.find((s) => s.database === database);
  if (!section) throw new FactError(`${what}: the ${database} section is missing from the output`);
  return section;
}

/** The entry line for exactly `name`, or why there is none; anything that is not evidence throws. */
export function findEntryLine(section: Section, name: string, stderr: string, what: string): { line: string } | { absent: string } {
  const tool = section.mode === 'lookup' ? `getent ${section.database}` : `reading the ${section.database} database`;
  if (section.exitCode === 127) throw new FactError(`${what}: ${tool}: command not found on the target (exit 127)${stderr ? `: ${stderr}` : ''}`);
  if (section.exitCode !== 0 && !(section.mode === 'lookup' && section.exitCode === 2)) {
    throw new FactError(`${what}: ${tool} exited ${section.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  }
  const exact = section.lines.find((line) => entryName(line) === name);
  if (exact !== undefined) return { line: exact };
  const absent = { absent: `there is no ${section.database} entry named ${JSON.stringify(name)}` };
  if (section.mode === 'table') return absent;
  // Exit 2: some key was not found. Which one is certain only when every entry answers a key.
  const keys = new Set(section.keys.length > 0 ? section.keys : [name]);
  if (section.exitCode === 2 && section.lines.every((line) => keys.has(entryName(line)))) return absent;
  // A name service that answers with another entry (a key read as an id, a case-insensitive
  // directory) says nothing about whether `name` itself exists.
  const names = section.lines.map((line) => JSON.stringify(entryName(line))).join(', ');
  throw new FactError(`${what}: getent ${section.database} -- ${JSON.stringify(name)} answered with ${names || 'nothing'}, not that exact name`);
}

function entryName(line: string): string {
  const colon = line.indexOf(':');
  return colon === -1 ? line : line.slice(0, colon);
}

// ---------------------------------------------------------------------------------------------
// Entries

export const PasswdEntrySchema = z.object({
  name: z.string().min(1),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  gecos: z.string(),
  home: z.string(),
  shell: z.string(),
});
export type PasswdEntry = z.infer<typeof PasswdEntrySchema>;

export const GroupEntrySchema = z.object({
  name: z.string().min(1),
  gid: z.number().int().nonnegative(),
  members: z.array(z.string()),
});
export type GroupEntry = z.infer<typeof GroupEntrySchema>;

const ID = /^\d+$/;

export function parsePasswdLine(line: string, what: string): PasswdEntry {
  const fields = line.split(':');
  if (fields.length !== 7 || !ID.test(fields[2]!) || !ID.test(fields[3]!)) throw new FactError(`${what}: unparseable passwd entry ${JSON.stringify(line.slice(0, 200))}`);
  const [name, , uid, gid, gecos, home, shell] = fields as [string, string, string, string, string, string, string];
  return validateFact(PasswdEntrySchema, { name, uid: Number(uid), gid: Number(gid), gecos, home, shell }, what);
}

export function parseGroupLine(line: string, what: string): GroupEntry {
  const fields = line.split(':');
  if (fields.length !== 4 || !ID.test(fields[2]!)) throw new FactError(`${what}: unparseable group entry ${JSON.stringify(line.slice(0, 200))}`);
  const [name, , gid, members] = fields as [string, string, string, string];
  return validateFact(GroupEntrySchema, { name, gid: Number(gid), members: members.split(',').filter(Boolean) }, what);
}

/** Every parseable entry of a table; comment and NIS compat lines ("+", "-") of /etc files are skipped. */
function tableEntries<T>(section: Section, parse: (line: string) => T): T[] {
  return section.lines.filter((line) => !/^[#+-]/.test(line)).map(parse);
}

// ---------------------------------------------------------------------------------------------
// Facts

export const UserAccountSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({ exists: z.literal(true), entry: PasswdEntrySchema }),
]);
export type UserAccount = z.infer<typeof UserAccountSchema>;

export const UserMembershipSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({
    exists: z.literal(true),
    /** The name of the group with the user's gid, or the gid as text where no group has it. */
    primaryGroup: z.string(),
    /** Primary group first, then every group that lists the user, in database order. */
    groups: z.array(z.string()),
  }),
]);
export type UserMembership = z.infer<typeof UserMembershipSchema>;

export const PASSWORD_STATES = ['locked', 'disabled', 'empty', 'set'] as const;

export const UserShadowSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({
    exists: z.literal(true),
    /** From the first character of the hash only: the hash itself never leaves the target. */
    password: z.enum(PASSWORD_STATES),
    minDays: z.number().int().nullable(),
    maxDays: z.number().int().nullable(),
    warnDays: z.number().int().nullable(),
    inactiveDays: z.number().int().nullable(),
    /** Days since 1970-01-01, as shadow(5) stores it. */
    expiresOn: z.number().int().nullable(),
  }),
]);
export type UserShadow = z.infer<typeof UserShadowSchema>;

export const AuthorizedKeySchema = z.object({
  options: z.string().optional(),
  type: z.string(),
  blob: z.string(),
  comment: z.string(),
});
export type AuthorizedKey = z.infer<typeof AuthorizedKeySchema>;

export const UserKeysSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({
    exists: z.literal(true),
    path: z.string(),
    /** False when the file (or its directory) does not exist: then no key is authorized there. */
    fileExists: z.boolean(),
    keys: z.array(AuthorizedKeySchema),
  }),
]);
export type UserKeys = z.infer<typeof UserKeysSchema>;

/** authorized_keys is read up to this size; a larger one is an error, not a partial answer. */
export const AUTHORIZED_KEYS_LIMIT = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Queries

function accountQuery(name: string): FactQuery<UserAccount> {
  return accountLookupQuery('passwd', name, (frame) => parseUserAccount(frame, name));
}

function membershipQuery(name: string): FactQuery<UserMembership> {
  return {
    key: `user-groups:${name}`,
    script: `${lookupSectionScript('passwd', name)}\n${tableSectionScript('group')}`,
    parse: (frame) => parseUserMembership(frame, name),
  };
}

function shadowQuery(name: string): FactQuery<UserShadow> {
  return { key: `user-shadow:${name}`, script: shadowScript(name), parse: (frame, host) => parseUserShadow(frame, name, host) };
}

function keysQuery(name: string): FactQuery<UserKeys> {
  return { key: `user-authorized-keys:${name}`, script: authorizedKeysScript(name), parse: (frame) => parseUserKeys(frame, name) };
}

/** Exit status of the shadow query when /etc/shadow exists but this user may not read it. */
export const SHADOW_DENIED = 77;

/**
 * Prints the user's shadow entry with the password field cut to its first character, enough to
 * tell locked ("!"), disabled ("*"), empty and set apart without a hash reaching any report.
 */
function shadowScript(name: string): string {
  const q = shellQuote(name);
  return `if [ -e /etc/shadow ] && [ ! -r /etc/shadow ]; then echo 'cannot read /etc/shadow: permission denied' >&2; exit ${SHADOW_DENIED}; fi
if ds_has getent; then ds_line=$(getent shadow -- ${q}); ds_rc=$?
else
  [ -r /etc/shadow ] || { echo 'there is neither getent nor a readable /etc/shadow' >&2; exit 3; }
  ds_rc=2; ds_line=
  while IFS= read -r ds_l || [ -n "$ds_l" ]; do case $ds_l in ${q}:*) ds_line=$ds_l; ds_rc=0; break;; esac; done </etc/shadow
fi
echo '@@shadow lookup'
if [ "$ds_rc" -eq 0 ]; then
  ds_name=\${ds_line%%:*}; ds_rest=\${ds_line#*:}; ds_hash=\${ds_rest%%:*}; ds_rest=\${ds_rest#*:}
  printf '%s:%.1s:%s\\n' "$ds_name" "$ds_hash" "$ds_rest"
fi
printf '\\n@@exit %s\\n' "$ds_rc"`;
}

/**
 * Finds the home directory from the user's own passwd entry (printed, so the parser checks the
 * name) and prints the key file after it. The path is only ever expanded inside double quotes.
 */
function authorizedKeysScript(name: string): string {
  const q = shellQuote(name);
  const find = looksNumeric(name)
    ? `if ds_has getent; then ds_all=$(getent passwd); else ds_all=$(cat /etc/passwd); fi; ds_rc=$?; ds_scan=1`
    : `if ds_has getent; then ds_pw=$(getent passwd -- ${q}); ds_rc=$?; else ds_all=$(cat /etc/passwd); ds_rc=$?; ds_scan=1; fi`;
  return `ds_pw=; ds_all=; ds_scan=0
${find}
if [ "$ds_scan" -eq 1 ] && [ "$ds_rc" -eq 0 ]; then
  ds_rc=2
  while IFS= read -r ds_l; do case $ds_l in ${q}:*) ds_pw=$ds_l; ds_rc=0; break;; esac; done <<DS_EOF
$ds_all
DS_EOF
fi
echo '@@passwd lookup'
[ "$ds_rc" -eq 0 ] && printf '%s\\n' "$ds_pw"
printf '\\n@@exit %s\\n' "$ds_rc"
[ "$ds_rc" -eq 0 ] || exit 0
ds_home=$ds_pw
ds_i=0
while [ $ds_i -lt 5 ]; do ds_home=\${ds_home#*:}; ds_i=$((ds_i + 1)); done
ds_home=\${ds_home%%:*}
case $ds_home in /*) ;; *) echo "the home directory is not an absolute path" >&2; exit 3;; esac
printf '@@keys %s/.ssh/authorized_keys\\n' "\${ds_home%/}"
head -c ${AUTHORIZED_KEYS_LIMIT + 1} -- "\${ds_home%/}/.ssh/authorized_keys"
printf '\\n@@exit %s\\n' "$?"`;
}

// ---------------------------------------------------------------------------------------------
// Parsers

export function parseUserAccount(frame: Frame, name: string): UserAccount {
  const what = `looking up user ${name}`;
  requireRan(frame, what);
  const section = requireSection(parseSections(frame.stdout.toString('utf8'), what), 'passwd', what);
  const found = findEntryLine(section, name, frame.stderr.toString('utf8').trim(), what);
  if ('absent' in found) return { exists: false, reason: `user ${name} does not exist (${found.absent})` };
  return { exists: true, entry: parsePasswdLine(found.line, what) };
}

export function parseUserMembership(frame: Frame, name: string): UserMembership {
  const what = `reading the groups of user ${name}`;
  requireRan(frame, what);
  const stderr = frame.stderr.toString('utf8').trim();
  const sections = parseSections(frame.stdout.toString('utf8'), what);
  const found = findEntryLine(requireSection(sections, 'passwd', what), name, stderr, what);
  if ('absent' in found) return { exists: false, reason: `user ${name} does not exist (${found.absent})` };
  const user = parsePasswdLine(found.line, what);
  const groupSection = requireSection(sections, 'group', what);
  if (groupSection.exitCode !== 0) throw new FactError(`${what}: reading the group database exited ${groupSection.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  const groups = tableEntries(groupSection, (line) => parseGroupLine(line, what));
  const primaryGroup = groups.find((g) => g.gid === user.gid)?.name ?? String(user.gid);
  const names = [primaryGroup, ...groups.filter((g) => g.members.includes(name)).map((g) => g.name)];
  return { exists: true, primaryGroup, groups: [...new Set(names)] };
}

const SHADOW_NUMBER = /^-?\d+$/;
/** chage(1) writes -1 (or nothing) for "no such limit". */
const SHADOW_UNSET = -1;

export function parseUserShadow(frame: Frame, name: string, host: HostFacts): UserShadow {
  const what = `reading the shadow entry of user ${name}`;
  requireRan(frame, what);
  const stderr = frame.stderr.toString('utf8').trim();
  if (frame.exitCode === SHADOW_DENIED) throw new FactError(`${what}: password ageing fields need root: run driftspec as root or with sudo (${stderr})`);
  if (frame.exitCode !== 0) throw new FactError(`${what}: exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  const section = requireSection(parseSections(frame.stdout.toString('utf8'), what), 'shadow', what);
  if (section.exitCode === 2 && host.uid !== 0)
    // Name services hide shadow entries from other users without saying so: not evidence.
    throw new FactError(`${what}: no shadow entry is visible to uid ${host.uid}; password ageing fields need root: run driftspec as root or with sudo`);
  const found = findEntryLine(section, name, stderr, what);
  if ('absent' in found) return { exists: false, reason: `user ${name} has no shadow entry (${found.absent})` };
  const fields = found.line.split(':');
  if (fields.length < 8) throw new FactError(`${what}: unparseable shadow entry with ${fields.length} fields`);
  const number = (index: number, label: string): number | null => {
    const raw = fields[index]!;
    if (raw === '') return null;
    if (!SHADOW_NUMBER.test(raw)) throw new FactError(`${what}: the ${label} field is not a number: ${JSON.stringify(raw)}`);
    return Number(raw) <= SHADOW_UNSET ? null : Number(raw);
  };
  return validateFact(
    UserShadowSchema,
    {
      exists: true,
      password: passwordState(fields[1]!),
      minDays: number(3, 'minimum age'),
      maxDays: number(4, 'maximum age'),
      warnDays: number(5, 'warning period'),
      inactiveDays: number(6, 'inactivity period'),
      expiresOn: number(7, 'expiry date'),
    },
    what,
  );
}

function passwordState(firstCharacter: string): (typeof PASSWORD_STATES)[number] {
  if (firstCharacter === '') return 'empty';
  if (firstCharacter === '!') return 'locked';
  if (firstCharacter === '*') return 'disabled';
  return 'set';
}

export function parseUserKeys(frame: Frame, name: string): UserKeys {
  const what = `reading the authorized keys of user ${name}`;
  requireRan(frame, what);
  const stderr = frame.stderr.toString('utf8').trim();
  if (frame.exitCode !== 0) throw new FactError(`${what}: exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  const text = frame.stdout.toString('utf8');
  const keysStart = /^@@keys (\/.*)$/m.exec(text);
  const head = keysStart ? text.slice(0, keysStart.index) : text;
  const found = findEntryLine(requireSection(parseSections(head, what), 'passwd', what), name, stderr, what);
  if ('absent' in found) return { exists: false, reason: `user ${name} does not exist (${found.absent})` };
  parsePasswdLine(found.line, what);
  if (!keysStart) throw new FactError(`${what}: the key file section is missing from the output`);
  const path = keysStart[1]!;
  // The file's own content may hold anything, so its exit status is the LAST line of the output.
  const body = text.slice(keysStart.index + keysStart[0].length + 1);
  const tail = /\n@@exit (\d+)\n$/.exec(body);
  if (!tail) throw new FactError(`${what}: the output stopped while reading ${path}`);
  const content = body.slice(0, tail.index);
  const exitCode = Number(tail[1]);
  if (exitCode !== 0) {
    if (/No such file or directory|Not a directory/.test(stderr)) return { exists: true, path, fileExists: false, keys: [] };
    throw new FactError(`${what}: reading ${path} exited ${exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  }
  if (Buffer.byteLength(content) > AUTHORIZED_KEYS_LIMIT) throw new FactError(`${what}: ${path} is larger than ${AUTHORIZED_KEYS_LIMIT} bytes`);
  return { exists: true, path, fileExists: true, keys: parseAuthorizedKeys(content) };
}

// ---------------------------------------------------------------------------------------------
// authorized_keys (sshd(8) "AUTHORIZED_KEYS FILE FORMAT")

const KEY_TYPE = /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+|[a-z0-9-]+-cert-v0\d@openssh\.com)$/;
const KEY_BLOB = /^[A-Za-z0-9+/]+={0,2}$/;

/** Splits on blanks outside double quotes, as sshd reads the options field. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && quoted && line[i + 1] === '"') {
      current += '\\"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if ((ch === ' ' || ch === '\t') && !quoted) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

/** One key line: [options] type blob [comment]. Undefined for blank, comment or unknown lines. */
export function parseAuthorizedKeyLine(line: string): AuthorizedKey | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const tokens = tokenize(trimmed);
  for (let i = 0; i < Math.min(tokens.length - 1, 2); i++) {
    if (KEY_TYPE.test(tokens[i]!) && KEY_BLOB.test(tokens[i + 1]!)) {
      const options = i === 1 ? tokens[0] : undefined;
      return { ...(options === undefined ? {} : { options }), type: tokens[i]!, blob: tokens[i + 1]!, comment: tokens.slice(i + 2).join(' ') };
    }
  }
  return undefined;
}

export function parseAuthorizedKeys(content: string): AuthorizedKey[] {
  return content.split('\n').flatMap((line) => parseAuthorizedKeyLine(line) ?? []);
}

/**
 * A bare blob matches the key with that blob; a key line matches a key with the same type and
 * blob, and also the same comment and options where the expected line has them.
 */
export function authorizedKeyMatches(key: AuthorizedKey, expected: string): boolean {
  const wanted = expected.trim();
  if (!/\s/.test(wanted)) return key.blob === wanted;
  const parsed = parseAuthorizedKeyLine(wanted);
  if (!parsed) return false;
  if (parsed.type !== key.type || parsed.blob !== key.blob) return false;
  if (parsed.comment !== '' && parsed.comment !== key.comment) return false;
  return parsed.options === undefined || parsed.options === key.options;
}

function describeKey(key: AuthorizedKey): string {
  return `${key.type} …${key.blob.slice(-12)}${key.comment ? ` ${key.comment}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Matchers

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

const KeyArgs = z.object({ key: z.string().min(1).refine((k) => !k.includes('\n'), 'a key is one line') }).strict();

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
      test: (fact) => (fact.exists ? { pass: true, actual: `it exists (uid ${fact.entry.uid})` } : { pass: false, actual: fact.reason }),
    }),
    uid: attribute<UserAccount, number | ValueExpectation>({ fact: 'account', describe: 'have uid', read: readAccount((e) => e.uid) }),
    gid: attribute<UserAccount, number | ValueExpectation>({ fact: 'account', describe: 'have primary gid', read: readAccount((e) => e.gid) }),
    home: attribute<UserAccount, string | ValueExpectation>({ fact: 'account', describe: 'have home directory', read: readAccount((e) => e.home) }),
    shell: attribute<UserAccount, string | ValueExpectation>({ fact: 'account', describe: 'have login shell', read: readAccount((e) => e.shell) }),
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
        return fact.expiresOn === null ? { absent: 'the account has no expiry date (the shadow field is empty)' } : formatShadowDate(fact.expiresOn);
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
