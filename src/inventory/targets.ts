import type { HostInventoryInfo } from '../engine/run.js';
import { SpecError } from '../inputs/input-error.js';
import { createTarget } from '../targets/parse.js';
import type { SudoSettings } from '../targets/privilege.js';
import { IdentityError, loadIdentity, type Identity, type SshCredentials } from '../targets/ssh-credentials.js';
import type { SshSettings } from '../targets/ssh-settings.js';
import type { Target } from '../targets/target.js';
import type { InventoryHost } from './load.js';

/** What a run keeps of an inventory host beside its target: one object per host, held for the whole run. */
export interface InventoryEntry extends HostInventoryInfo {
  /** The host's vars (defaults, groups, its own, merged), which specs' inputs read. */
  vars: Readonly<Record<string, unknown>>;
}

export interface InventoryTarget {
  target: Target;
  entry: InventoryEntry;
}

/**
 * One target per inventory host that `keep` keeps. A host's own `identity` and `hostKey` replace
 * the run's keys and pins for that host alone; a key file that cannot be used stops the run before
 * any host is contacted (SpecError at the inventory line, exit 78), also a key file of a host not kept.
 */
export function inventoryTargets(
  hosts: readonly InventoryHost[],
  sshSettings: () => SshSettings,
  env: NodeJS.ProcessEnv,
  sudo?: SudoSettings,
  keep: (host: InventoryHost) => boolean = () => true,
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
  // Hosts with the same key files or pins share one list of keys and one object made of it.
  const identitiesOf = new Map<readonly string[], readonly Identity[]>();
  const keysOf = (host: InventoryHost): readonly Identity[] => {
    if (host.address.kind !== 'ssh') return [];
    let identities = identitiesOf.get(host.identityFiles);
    if (!identities) {
      identities = host.identityFiles.map((path) => loadKey(host, path));
      identitiesOf.set(host.identityFiles, identities);
    }
    return identities;
  };
  const credentials = derivedOnce<readonly Identity[], SshCredentials>((base, identities) => ({ ...base, identities }));
  const hostKeys = derivedOnce<readonly string[], SshSettings['hostKeys']>((base, pins) => ({ ...base, pins }));
  const targets: InventoryTarget[] = [];
  for (const host of hosts) {
    const identities = keysOf(host);
    if (!keep(host)) continue;
    const settingsForHost = (): SshSettings => {
      const shared = sshSettings();
      return {
        ...shared,
        credentials: identities.length > 0 ? credentials(shared.credentials, identities) : shared.credentials,
        hostKeys: host.hostKeys.length > 0 ? hostKeys(shared.hostKeys, host.hostKeys) : shared.hostKeys,
        ...(host.proxyCommand ? { proxyCommand: host.proxyCommand } : {}),
      };
    };
    targets.push({
      target: createTarget(host.address, settingsForHost, sudo),
      entry: { name: host.name, groups: host.groups, tags: host.tags, vars: host.vars },
    });
  }
  return targets;
}

/**
 * `derive(base, part)`, made once for each part (compared by identity) and the same base: ten
 * thousand hosts with one key file hold one set of credentials, not ten thousand.
 */
function derivedOnce<P extends object, T>(derive: (base: T, part: P) => T): (base: T, part: P) => T {
  const made = new Map<P, { base: T; value: T }>();
  return (base, part) => {
    let entry = made.get(part);
    if (entry === undefined || entry.base !== base) {
      entry = { base, value: derive(base, part) };
      made.set(part, entry);
    }
    return entry.value;
  };
}
