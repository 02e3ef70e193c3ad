import { parseSshUrlParts, TargetAddressError, type SshUrlParts } from './address.js';

/**
 * One jump host as `--jump` or ssh_config's ProxyJump names it: `[user@]host[:port]` or
 * `ssh://[user@]host[:port]`. The host may be an ssh_config alias; what is left out comes from
 * ssh_config, then the defaults.
 */
export type JumpSpec = SshUrlParts;

const JUMP_FORM = '[user@]host[:port] or ssh://[user@]host[:port] (an IPv6 address in brackets)';

export function parseJumpSpec(text: string): JumpSpec {
  const trimmed = text.trim();
  if (trimmed === '') throw new TargetAddressError(`an empty jump host; expected ${JUMP_FORM}`);
  if (/\s/.test(trimmed))
    throw new TargetAddressError(`a jump host has no spaces ("${trimmed}"); expected ${JUMP_FORM}`);
  try {
    return parseSshUrlParts(trimmed.startsWith('ssh://') ? trimmed : `ssh://${trimmed}`);
  } catch (error) {
    if (!(error instanceof TargetAddressError)) throw error;
    throw new TargetAddressError(
      `"${trimmed}" is not a jump host: ${error.message.replace(/; expected .*$/, '')}; expected ${JUMP_FORM}`,
    );
  }
}

/** A comma-separated chain, first hop first, as ProxyJump and `ssh -J` write it. */
export function parseJumpList(text: string): JumpSpec[] {
  return text.split(',').map(parseJumpSpec);
}
