import type { Frame } from '../../probe/frames.js';
import { FactError, firstLines, requireRan } from '../resource.js';
import { COMMA_LISTS, parseSettings, type SettingsSyntax, type SshdSettings } from '../sshd-config/effective.js';

/**
 * Reading the SSH client's effective configuration: `ssh -G` prints every setting ssh would use
 * for a connection to one host, after includes (`ssh_config.d`), defaults and the `Host` and
 * `Match` blocks that apply to that host, then exits without connecting. Keywords come out in
 * lower case (all but one, `canonicalizePermittedcnames`), one per line; a setting that may be
 * given several times (IdentityFile, SendEnv, …) is printed once per value.
 */

/** Settings ssh -G prints as one line of blank-separated words. */
const WORD_LISTS: ReadonlySet<string> = new Set(['globalknownhostsfile', 'userknownhostsfile', 'canonicaldomains']);

const SSH_G_SYNTAX: SettingsSyntax = {
  tool: 'ssh -G',
  mixedCaseKeywords: true,
  commaLists: COMMA_LISTS,
  wordLists: WORD_LISTS,
};

/**
 * `ds_ssh_g FILE HOST`: ssh -G with only FILE read (`-F`, so the probing user's ~/.ssh/config
 * does not count), stdin closed so nothing waits for a terminal; exit 127 where ssh is missing.
 */
export const SSH_G_FUNCTION = `ds_ssh_g() {
  ds_has ssh || { echo 'ssh is not installed (no ssh on PATH)' >&2; return 127; }
  ssh -G -F "$1" -- "$2" </dev/null
}`;

/** Parses `ssh -G` output; numbers and lists are read as `sshd -T`'s are. */
export function parseSshG(text: string, what: string): SshdSettings {
  return parseSettings(text, what, SSH_G_SYNTAX);
}

/** The settings of one part of `ssh -G`, or an error that says why there are none. */
export function readSshGFrame(frame: Frame, what: string): SshdSettings {
  requireRan(frame, what);
  const stderr = frame.stderr.toString('utf8').trim();
  if (frame.exitCode !== 0) {
    throw new FactError(`${what}: ssh -G exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  }
  return parseSshG(frame.stdout.toString('utf8'), what);
}
