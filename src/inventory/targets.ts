import type { HostInventoryInfo } from '../engine/run.js';
import { SpecError } from '../inputs/input-error.js';
import { createTarget } from '../targets/parse.js';
import type { SudoSettings } from '../targets/privilege.js';
import { IdentityError, loadIdentity, type Identity } from '../targets/ssh-credentials.js';
import type { SshSettings } from '../targets/ssh-settings.js';
import type { Target } from '../targets/target.js';
import type { InventoryHost } from './load.js';

export interface InventoryTarget {
  target: Target;
  info: HostInventoryInfo;
  /** The host's vars (defaults, groups, its own, merged), which specs' inputs read. */
  vars: Record<string, unknown>;
}

/**
 * One target per inventory host. A host's own `identity` and `hostKey` replace the run's keys and
 * pins for that host alone; a key file that cannot be used stops the run before any host is
 * contacted (SpecError at the inventory line, exit 78).
 */
export function inventoryTargets(
  hosts: readonly InventoryHost[],
  sshSettings: () => SshSettings,
  env: NodeJS.ProcessEnv,
  sudo?: SudoSettings,
): InventoryTarget[] {
  const keys = new Map<string, Identity>();
  const loadKey = (host: InventoryHost, path: string): Identity => {
    let identity = keys.get(path);
    if (!identity) {
      try {
        identity = loadIdentity(path, env.DRIFTSPEC_SSH_PASSPHRASE || undefined);
      } catch (error) {
        if (error instanceof IdentityError)
          throw new SpecError(`identity ${error.path}: ${error.message}`, host.identityLocation());
        throw error;
      }
      keys.set(path, identity);
    }
    return identity;
  };
  return hosts.map((host) => {
    const identities = host.address.kind !== 'ssh' ? [] : host.identityFiles.map((path) => loadKey(host, path));
    const settingsForHost = (): SshSettings => {
      const shared = sshSettings();
      return {
        ...shared,
        credentials: identities.length > 0 ? { ...shared.credentials, identities } : shared.credentials,
        hostKeys: host.hostKeys.length > 0 ? { ...shared.hostKeys, pins: host.hostKeys } : shared.hostKeys,
        ...(host.proxyCommand ? { proxyCommand: host.proxyCommand } : {}),
      };
    };
    return {
      target: createTarget(host.address, settingsForHost, sudo),
      info: { name: host.name, groups: host.groups, tags: host.tags },
      vars: host.vars,
    };
  });
}
