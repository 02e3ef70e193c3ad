import { LocalTarget } from './local.js';
import { imageTargetName, parseTargetAddress, type RootfsAddress, type TargetAddress } from './address.js';
import { routeSshTarget } from './jump.js';
import type { SudoSettings } from './privilege.js';
import { createDiskTarget } from './disk-image/index.js';
import { createArchiveTarget } from './image-archive/index.js';
import { PreparedRootTarget } from './prepared-root.js';
import { RootfsTarget } from './rootfs.js';
import { bindToSafePath, needsSafePath } from './rootfs-bind.js';
import { SshTarget } from './ssh.js';
import type { SshSettings } from './ssh-settings.js';
import type { Target } from './target.js';

export { parseTargetAddress, TargetAddressError, type TargetAddress } from './address.js';

/**
 * `local` is the embedded default; other targets are URLs (`ssh://user@host:port`). SSH settings
 * are asked for only when an SSH target is built, so a local run never reads ~/.ssh. An SSH
 * target's ssh_config settings and jump hosts are resolved here, before any host is contacted.
 * With sudo settings the whole probe runs through sudo (privilege.ts), on SSH and local targets.
 */
export function createTarget(address: TargetAddress, sshSettings: () => SshSettings, sudo?: SudoSettings): Target {
  if (address.kind === 'local') return new LocalTarget(undefined, sudo);
  if (address.kind === 'rootfs') return rootfsTarget(address, sudo !== undefined);
  if (address.kind === 'oci') return createArchiveTarget(address, sudo !== undefined);
  if (address.kind === 'docker-archive') return createArchiveTarget(address, sudo !== undefined);
  if (address.kind === 'disk') return createDiskTarget(address, sudo !== undefined);
  const options = routeSshTarget(address, sshSettings());
  return new SshTarget(sudo ? { ...options, sudo } : options);
}

/** Text to target in one step; throws TargetAddressError for text that names no target. */
export function parseTarget(text: string, sshSettings: () => SshSettings): Target {
  return createTarget(parseTargetAddress(text), sshSettings);
}

/** A root whose path nspawn cannot use as it is checked through a read-only bind at a private path. */
function rootfsTarget(address: RootfsAddress, sudoRequested: boolean): Target {
  if (!needsSafePath(address.path)) return new RootfsTarget(address, sudoRequested);
  return new PreparedRootTarget(imageTargetName(address), () => bindToSafePath(address.path), sudoRequested);
}
