import type { Frame } from '../../probe/frames.js';
import { FactError, firstLines, requireRan } from '../resource.js';

/**
 * Reading sshd's effective configuration: `sshd -T` prints every setting as sshd would apply it,
 * after includes (`sshd_config.d`), defaults and, with `-C`, the Match blocks of one connection.
 * Keywords come out in lower case, one per line; a setting that may be given several times
 * (HostKey, ListenAddress, AcceptEnv, Subsystem, …) is printed once per value.
 */

/** Finds sshd (it lives in /usr/sbin, often not on a user's PATH) or exits 127 saying so. */
export const FIND_SSHD = `ds_sshd=$(command -v sshd 2>/dev/null)
if [ -z "$ds_sshd" ]; then
  for ds_c in /usr/sbin/sshd /usr/local/sbin/sshd /sbin/sshd; do [ -x "$ds_c" ] && { ds_sshd=$ds_c; break; }; done
fi`;

/**
 * `ds_sshd_t [-C SPEC]`: sshd -T. sshd refuses to start, even for -T, without its privilege
 * separation directory /run/sshd, which only a running ssh service has. On an image that is not
 * booted /run is the probe container's own, so it is made there; on a live host, where nothing may
 * be written, root runs sshd -T in a mount namespace of its own whose /run is a fresh tmpfs, gone
 * with the command.
 */
export const SSHD_T_FUNCTION = `ds_sshd_t() {
  [ -n "$ds_sshd" ] || {
    echo 'sshd is not installed (no sshd on PATH, in /usr/sbin, /usr/local/sbin or /sbin)' >&2
    return 127
  }
  if [ -d /run/sshd ]; then "$ds_sshd" -T "$@"; return; fi
  if [ "$DS_BOOTED" = no ]; then mkdir -p /run/sshd && "$ds_sshd" -T "$@"; return; fi
  if [ "$(id -u)" = 0 ] && ds_has unshare; then
    unshare -m sh -c 'mount -t tmpfs -o mode=0755 ds-sshd /run && mkdir /run/sshd && exec "$@"' sh "$ds_sshd" -T "$@"
    return
  fi
  "$ds_sshd" -T "$@"
}`;

/** Settings whose value is one comma-separated list (algorithm lists), in sshd -T and ssh -G alike. */
export const COMMA_LISTS: ReadonlySet<string> = new Set([
  'ciphers',
  'macs',
  'kexalgorithms',
  'hostkeyalgorithms',
  'pubkeyacceptedalgorithms',
  'pubkeyacceptedkeytypes',
  'hostbasedacceptedalgorithms',
  'hostbasedacceptedkeytypes',
  'casignaturealgorithms',
  'gssapikexalgorithms',
]);

/** Settings whose value is a list of blank-separated words. */
const WORD_LISTS = new Set([
  'authorizedkeysfile',
  'allowusers',
  'denyusers',
  'allowgroups',
  'denygroups',
  'authenticationmethods',
  'permitopen',
  'permitlisten',
]);

export type SshdValue = string | number | string[];

/** Every setting sshd printed, by lower-case keyword; a setting printed several times is a list. */
export type SshdSettings = ReadonlyMap<string, SshdValue>;

/** How one OpenSSH tool prints its effective settings: `keyword value` lines. */
export interface SettingsSyntax {
  /** The command, as messages name it (`sshd -T`). */
  tool: string;
  /** Keywords that start in lower case but go on in mixed case (ssh -G prints one): read in lower case. */
  mixedCaseKeywords: boolean;
  commaLists: ReadonlySet<string>;
  wordLists: ReadonlySet<string>;
}

const SSHD_SYNTAX: SettingsSyntax = {
  tool: 'sshd -T',
  mixedCaseKeywords: false,
  commaLists: COMMA_LISTS,
  wordLists: WORD_LISTS,
};

const LOWER_SETTING_LINE = /^([a-z][a-z0-9]*) (.*)$/;
const MIXED_SETTING_LINE = /^([a-z][A-Za-z0-9]*) (.*)$/;

/**
 * Parses `sshd -T` output. Numbers stay numbers (`maxauthtries 3`), except those written with a
 * leading zero, which are octal modes (`streamlocalbindmask 0177`) and stay text.
 */
export function parseSshdT(text: string, what: string): SshdSettings {
  return parseSettings(text, what, SSHD_SYNTAX);
}

/** Parses the `keyword value` lines of an OpenSSH tool's effective settings (sshd -T, ssh -G). */
export function parseSettings(text: string, what: string, syntax: SettingsSyntax): SshdSettings {
  const line = syntax.mixedCaseKeywords ? MIXED_SETTING_LINE : LOWER_SETTING_LINE;
  const raw = new Map<string, string[]>();
  for (const printed of text.split('\n')) {
    if (printed === '') continue;
    const match = line.exec(printed);
    if (!match) {
      throw new FactError(`${what}: unexpected ${syntax.tool} line ${JSON.stringify(printed.slice(0, 200))}`);
    }
    const keyword = match[1]!.toLowerCase();
    raw.set(keyword, [...(raw.get(keyword) ?? []), match[2]!]);
  }
  if (raw.size === 0) throw new FactError(`${what}: ${syntax.tool} printed no settings`);
  return new Map([...raw].map(([keyword, values]) => [keyword, settingValue(keyword, values, syntax)]));
}

function settingValue(keyword: string, values: readonly string[], syntax: SettingsSyntax): SshdValue {
  if (syntax.commaLists.has(keyword)) return values.flatMap((value) => value.split(',')).filter((v) => v !== '');
  if (syntax.wordLists.has(keyword)) return values.flatMap((value) => value.split(/\s+/)).filter((v) => v !== '');
  if (values.length > 1) return [...values];
  const value = values[0]!;
  return /^(0|[1-9]\d{0,14})$/.test(value) ? Number(value) : value;
}

/** The settings of one frame of `sshd -T`, or an error that says why there are none. */
export function readSshdFrame(frame: Frame, what: string): SshdSettings {
  requireRan(frame, what);
  const stderr = frame.stderr.toString('utf8').trim();
  if (frame.exitCode !== 0) throw new FactError(`${what}: ${sshdFailure(frame.exitCode, stderr)}`);
  return parseSshdT(frame.stdout.toString('utf8'), what);
}

function sshdFailure(exitCode: number, stderr: string): string {
  if (/no hostkeys available|Permission denied/i.test(stderr)) {
    const why = 'it needs root: run with sudo, or the image makes its keys at first boot';
    return `sshd -T could not read the host keys (${why}): ${firstLines(stderr, 3)}`;
  }
  if (/Missing privilege separation directory/.test(stderr)) {
    const why = 'which exists only while the ssh service runs, or root to stand one in';
    return `sshd -T needs /run/sshd, ${why}: ${firstLines(stderr, 3)}`;
  }
  return `sshd -T exited ${exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`;
}

/** The text a snapshot keeps of a value: lists joined as sshd would read them back. */
export function settingText(keyword: string, value: SshdValue): string {
  if (!Array.isArray(value)) return String(value);
  return value.join(COMMA_LISTS.has(keyword) ? ',' : WORD_LISTS.has(keyword) ? ' ' : '\n');
}
