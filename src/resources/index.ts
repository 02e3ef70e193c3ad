import type { AnyResource } from './resource.js';
import type { ResourceRegistry } from './registry.js';
import { accountDatabaseResource } from './account-database/index.js';
import { commandResource } from './command/index.js';
import { fileResource } from './file/index.js';
import { fileSearchResource } from './file-search/index.js';
import { groupResource } from './group/index.js';
import { kernelParameterResource } from './kernel-parameter/index.js';
import { mountResource } from './mount/index.js';
import { packageIntegrityResource, packageResource } from './package/index.js';
import { portResource } from './port/index.js';
import { processResource } from './process/index.js';
import { serviceResource } from './service/index.js';
import { sshConfigResource } from './ssh-config/index.js';
import { sshdConfigResource } from './sshd-config/index.js';
import { userResource } from './user/index.js';
import { iniFileResource, jsonFileResource, keyValueFileResource, yamlFileResource } from './structured-file/index.js';
import { kernelModuleResource } from './kernel-module/index.js';
import { kernelModuleInventory } from './kernel-module/inventory.js';
import { x509CertificateResource } from './x509-certificate/index.js';
import { fileInventory } from './file/inventory.js';
import { groupInventory } from './group/inventory.js';
import { kernelParameterInventory } from './kernel-parameter/inventory.js';
import { mountInventory } from './mount/inventory.js';
import { packageInventory } from './package/inventory.js';
import { listenerInventory } from './port/inventory.js';
import { serviceInventory } from './service/inventory.js';
import { sshdConfigInventory } from './sshd-config/inventory.js';
import { userInventory } from './user/inventory.js';
import { interfaceResource } from './interface/index.js';
import { interfaceInventory } from './interface/inventory.js';
import { routeResource } from './route/index.js';
import { routeInventory } from './route/inventory.js';
import { hostResource } from './host/index.js';
import { dnsResource } from './dns/index.js';
import { httpResource } from './http/index.js';
import { cronResource } from './cron/index.js';
import { cronInventory } from './cron/inventory.js';
import { systemdTimerResource } from './systemd-timer/index.js';
import { systemdTimerInventory } from './systemd-timer/inventory.js';
import { iptablesResource } from './iptables/index.js';
import { iptablesInventory } from './iptables/inventory.js';
import { systemdUnitResource } from './systemd-unit/index.js';
import { containerResource } from './container/index.js';
import { nftablesResource } from './nftables/index.js';
import { nftablesInventory } from './nftables/inventory.js';
import { apparmorResource, selinuxResource } from './lsm/index.js';
import { securityModulesInventory } from './lsm/inventory.js';

export type { ResourceRegistry } from './registry.js';

/** Every resource driftspec knows, keyed by the name a YAML check and a plan use. */
export const RESOURCES: readonly AnyResource[] = [
  { ...packageResource, inventory: packageInventory },
  { ...serviceResource, inventory: serviceInventory },
  { ...portResource, inventory: listenerInventory },
  { ...fileResource, inventory: fileInventory },
  { ...userResource, inventory: userInventory },
  { ...groupResource, inventory: groupInventory },
  commandResource,
  processResource,
  { ...kernelParameterResource, inventory: kernelParameterInventory },
  { ...mountResource, inventory: mountInventory },
  { ...sshdConfigResource, inventory: sshdConfigInventory },
  sshConfigResource,
  fileSearchResource,
  jsonFileResource,
  yamlFileResource,
  iniFileResource,
  keyValueFileResource,
  { ...kernelModuleResource, inventory: kernelModuleInventory },
  x509CertificateResource,
  accountDatabaseResource,
  packageIntegrityResource,
  { ...interfaceResource, inventory: interfaceInventory },
  { ...routeResource, inventory: routeInventory },
  hostResource,
  dnsResource,
  httpResource,
  { ...cronResource, inventory: cronInventory },
  { ...systemdTimerResource, inventory: systemdTimerInventory },
  { ...iptablesResource, inventory: iptablesInventory },
  systemdUnitResource,
  containerResource,
  { ...nftablesResource, inventory: nftablesInventory },
  // One query reads both modules: their modes and AppArmor's profiles are one snapshot part.
  { ...selinuxResource, inventory: securityModulesInventory },
  apparmorResource,
];

export function createRegistry(resources: readonly AnyResource[] = RESOURCES): ResourceRegistry {
  return new Map(resources.map((r) => [r.type, r]));
}
