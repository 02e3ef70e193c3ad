import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { partScript, partsScript } from '../../probe/parts.js';
import { shellQuote } from '../../probe/quote.js';
import {
  accountLookupQuery,
  entryLines,
  findEntryLine,
  looksNumeric,
  nameParts,
  parseGroupLine,
  parsePasswdLine,
  readSection,
  tablePart,
} from '../accounts/index.js';
import {
  FactError,
  firstLines,
  readParts,
  requirePart,
  requireRan,
  stderrSuffix,
  validateFact,
  type FactQuery,
} from '../resource.js';
import { parseAuthorizedKeys } from './authorized-keys.js';
import {
  AUTHORIZED_KEYS_LIMIT,
  type PASSWORD_STATES,
  UserShadowSchema,
  type UserAccount,
  type UserKeys,
  type UserMembership,
  type UserShadow,
} from './facts.js';

export function accountQuery(name: string): FactQuery<UserAccount> {
  return accountLookupQuery('passwd', name, (frame) => parseUserAccount(frame, name));
}

export function membershipQuery(name: string): FactQuery<UserMembership> {
  return {
    key: `user-groups:${name}`,
    script: partsScript([...nameParts('passwd', name), tablePart('group')]),
    parse: (frame) => parseUserMembership(frame, name),
  };
}

export function shadowQuery(name: string): FactQuery<UserShadow> {
  const parse = (frame: Frame, host: HostFacts) => parseUserShadow(frame, name, host);
  return { key: `user-shadow:${name}`, script: shadowScript(name), parse };
}

export function keysQuery(name: string): FactQuery<UserKeys> {
  return {
    key: `user-authorized-keys:${name}`,
    script: authorizedKeysScript(name),
    parse: (frame) => parseUserKeys(frame, name),
  };
}

/** Exit status of the shadow query when /etc/shadow exists but this user may not read it. */
export const SHADOW_DENIED = 77;

/**
 * Part `lookup:shadow` holds the user's shadow entry with the password field cut to its first
 * character, enough to tell locked ("!"), disabled ("*"), empty and set apart without a hash
 * reaching any report; its exit status is getent's (2: no entry).
 */
function shadowScript(name: string): string {
  const q = shellQuote(name);
  const entry = `if [ "$ds_rc" -eq 0 ]; then
  ds_name=\${ds_line%%:*}; ds_rest=\${ds_line#*:}; ds_hash=\${ds_rest%%:*}; ds_rest=\${ds_rest#*:}
  printf '%s:%.1s:%s\\n' "$ds_name" "$ds_hash" "$ds_rest"
fi
exit "$ds_rc"`;
  return `if [ -e /etc/shadow ] && [ ! -r /etc/shadow ]; then \
echo 'cannot read /etc/shadow: permission denied' >&2; exit ${SHADOW_DENIED}; fi
if ds_has getent; then ds_line=$(getent shadow -- ${q}); ds_rc=$?
else
  [ -r /etc/shadow ] || { echo 'there is neither getent nor a readable /etc/shadow' >&2; exit 3; }
  ds_rc=2; ds_line=
  while IFS= read -r ds_l || [ -n "$ds_l" ]; do \
case $ds_l in ${q}:*) ds_line=$ds_l; ds_rc=0; break;; esac; done </etc/shadow
fi
${partsScript([partScript('lookup:shadow', entry)])}`;
}

/**
 * Finds the home directory from the user's own passwd entry (part `lookup:passwd`, so the parser
 * checks the name) and reads the key file (part `authorized-keys`). The path is only ever
 * expanded inside double quotes.
 */
function authorizedKeysScript(name: string): string {
  const q = shellQuote(name);
  const find = looksNumeric(name)
    ? `if ds_has getent; then ds_all=$(getent passwd); else ds_all=$(cat /etc/passwd); fi; ds_rc=$?; ds_scan=1`
    : `if ds_has getent; then ds_pw=$(getent passwd -- ${q}); ds_rc=$?; ` +
      'else ds_all=$(cat /etc/passwd); ds_rc=$?; ds_scan=1; fi';
  const keys = partScript(
    'authorized-keys',
    `head -c ${AUTHORIZED_KEYS_LIMIT + 1} -- "\${ds_home%/}/.ssh/authorized_keys"`,
  );
  return `ds_pw=; ds_all=; ds_scan=0
${find}
if [ "$ds_scan" -eq 1 ] && [ "$ds_rc" -eq 0 ]; then
  ds_rc=2
  while IFS= read -r ds_l; do case $ds_l in ${q}:*) ds_pw=$ds_l; ds_rc=0; break;; esac; done <<DS_EOF
$ds_all
DS_EOF
fi
${partScript('lookup:passwd', `[ "$ds_rc" -ne 0 ] || printf '%s\\n' "$ds_pw"\nexit "$ds_rc"`)}
if [ "$ds_rc" -eq 0 ]; then
  ds_home=$ds_pw
  ds_i=0
  while [ $ds_i -lt 5 ]; do ds_home=\${ds_home#*:}; ds_i=$((ds_i + 1)); done
  ds_home=\${ds_home%%:*}
  case $ds_home in /*) ;; *) echo "the home directory is not an absolute path" >&2; exit 3;; esac
${keys}
fi
ds_parts_out`;
}

export function parseUserAccount(frame: Frame, name: string): UserAccount {
  const what = `looking up user ${name}`;
  const section = readSection(readParts(frame, what), 'passwd', what);
  const found = findEntryLine(section, name, section.stderr, what);
  if ('absent' in found) return { exists: false, reason: `user ${name} does not exist (${found.absent})` };
  return { exists: true, entry: parsePasswdLine(found.line, what) };
}

export function parseUserMembership(frame: Frame, name: string): UserMembership {
  const what = `reading the groups of user ${name}`;
  const parts = readParts(frame, what);
  const passwd = readSection(parts, 'passwd', what);
  const found = findEntryLine(passwd, name, passwd.stderr, what);
  if ('absent' in found) return { exists: false, reason: `user ${name} does not exist (${found.absent})` };
  const user = parsePasswdLine(found.line, what);
  const groupSection = readSection(parts, 'group', what);
  if (groupSection.exitCode !== 0) {
    const said = groupSection.stderr ? `: ${firstLines(groupSection.stderr, 3)}` : '';
    throw new FactError(`${what}: reading the group database exited ${groupSection.exitCode}${said}`);
  }
  const groups = entryLines(groupSection).map((line) => parseGroupLine(line, what));
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
  if (frame.exitCode === SHADOW_DENIED) {
    const stderr = frame.stderr.toString('utf8').trim();
    throw new FactError(`${what}: password ageing fields need root: run driftspec as root or with sudo (${stderr})`);
  }
  const section = readSection(readParts(frame, what), 'shadow', what);
  if (section.exitCode === 2 && host.uid !== 0)
    // Name services hide shadow entries from other users without saying so: not evidence.
    throw new FactError(
      `${what}: no shadow entry is visible to uid ${host.uid}; ` +
        'password ageing fields need root: run driftspec as root or with sudo',
    );
  const found = findEntryLine(section, name, section.stderr, what);
  if ('absent' in found) return { exists: false, reason: `user ${name} has no shadow entry (${found.absent})` };
  const fields = found.line.split(':');
  if (fields.length < 8) throw new FactError(`${what}: unparseable shadow entry with ${fields.length} fields`);
  const number = (index: number, label: string): number | null => {
    const raw = fields[index]!;
    if (raw === '') return null;
    if (!SHADOW_NUMBER.test(raw))
      throw new FactError(`${what}: the ${label} field is not a number: ${JSON.stringify(raw)}`);
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
  const parts = readParts(frame, what);
  const passwd = readSection(parts, 'passwd', what);
  const found = findEntryLine(passwd, name, passwd.stderr, what);
  if ('absent' in found) return { exists: false, reason: `user ${name} does not exist (${found.absent})` };
  const path = `${parsePasswdLine(found.line, what).home.replace(/\/$/, '')}/.ssh/authorized_keys`;
  const file = requirePart(parts, 'authorized-keys', what);
  requireRan(file, what);
  if (file.exitCode !== 0) {
    if (/No such file or directory|Not a directory/.test(file.stderr.toString('utf8')))
      return { exists: true, path, fileExists: false, keys: [] };
    throw new FactError(`${what}: reading ${path} exited ${file.exitCode}${stderrSuffix(file)}`);
  }
  if (file.stdout.length > AUTHORIZED_KEYS_LIMIT)
    throw new FactError(`${what}: ${path} is larger than ${AUTHORIZED_KEYS_LIMIT} bytes`);
  return { exists: true, path, fileExists: true, keys: parseAuthorizedKeys(file.stdout.toString('utf8')) };
}
