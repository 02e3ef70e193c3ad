import { LocalTarget } from './local.js';
import { parseTargetAddress, type TargetAddress } from './address.js';
import { SshTarget } from './ssh.js';
import type { SshSettings } from './ssh-settings.js';
import type { Target } from './target.js';

export { parseTargetAddress, TargetAddressError, type TargetAddress } from './address.js';

/**
 * `local` is the embedded default; other targets are URLs (`ssh://user@host:port`). SSH settings
 * are asked for only when an SSH target is built, so a local run never reads ~/.ssh.
 */
export function createTarget(address: TargetAddress, sshSettings: () => SshSettings): Target {
  if (address.kind === 'local') return new LocalTarget();
  const settings = sshSettings();
  return new SshTarget({ address, credentials: settings.credentials, hostKeys: settings.hostKeys, connectTimeoutMs: settings.connectTimeoutMs });
}

/** Text to target in one step; throws TargetAddressError for text that names no target. */
export function parseTarget(text: string, sshSettings: () => SshSettings): Target {
  return createTarget(parseTargetAddress(text), sshSettings);
}
