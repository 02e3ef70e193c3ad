import { LoadingRegistry, type ResourceLoader } from './registry.js';

/**
 * Every built-in kind's definition for checks, loaded on demand, in the order of RESOURCES
 * (./index.ts), which a unit test holds this list to. A bundled CLI runs a kind's modules only when
 * its loader is called. Inventory parts are left out: only snapshot, drift and generate use them,
 * and they take every kind from RESOURCES.
 */
export const CHECK_LOADERS: ReadonlyMap<string, ResourceLoader> = new Map<string, ResourceLoader>([
  ['package', async () => (await import('./package/index.js')).packageResource],
  ['service', async () => (await import('./service/index.js')).serviceResource],
  ['port', async () => (await import('./port/index.js')).portResource],
  ['file', async () => (await import('./file/index.js')).fileResource],
  ['user', async () => (await import('./user/index.js')).userResource],
  ['group', async () => (await import('./group/index.js')).groupResource],
  ['command', async () => (await import('./command/index.js')).commandResource],
  ['process', async () => (await import('./process/index.js')).processResource],
  ['kernel_parameter', async () => (await import('./kernel-parameter/index.js')).kernelParameterResource],
  ['mount', async () => (await import('./mount/index.js')).mountResource],
  ['sshd_config', async () => (await import('./sshd-config/index.js')).sshdConfigResource],
  ['ssh_config', async () => (await import('./ssh-config/index.js')).sshConfigResource],
  ['file_search', async () => (await import('./file-search/index.js')).fileSearchResource],
  ['json_file', async () => (await import('./structured-file/index.js')).jsonFileResource],
  ['yaml_file', async () => (await import('./structured-file/index.js')).yamlFileResource],
  ['ini_file', async () => (await import('./structured-file/index.js')).iniFileResource],
  ['key_value_file', async () => (await import('./structured-file/index.js')).keyValueFileResource],
  ['kernel_module', async () => (await import('./kernel-module/index.js')).kernelModuleResource],
  ['x509_certificate', async () => (await import('./x509-certificate/index.js')).x509CertificateResource],
  ['account_database', async () => (await import('./account-database/index.js')).accountDatabaseResource],
  ['package_integrity', async () => (await import('./package/index.js')).packageIntegrityResource],
  ['interface', async () => (await import('./interface/index.js')).interfaceResource],
  ['route', async () => (await import('./route/index.js')).routeResource],
  ['host', async () => (await import('./host/index.js')).hostResource],
  ['dns', async () => (await import('./dns/index.js')).dnsResource],
  ['http', async () => (await import('./http/index.js')).httpResource],
  ['cron', async () => (await import('./cron/index.js')).cronResource],
  ['systemd_timer', async () => (await import('./systemd-timer/index.js')).systemdTimerResource],
  ['iptables', async () => (await import('./iptables/index.js')).iptablesResource],
  ['systemd_unit', async () => (await import('./systemd-unit/index.js')).systemdUnitResource],
  ['container', async () => (await import('./container/index.js')).containerResource],
  ['nftables', async () => (await import('./nftables/index.js')).nftablesResource],
  ['selinux', async () => (await import('./lsm/index.js')).selinuxResource],
  ['apparmor', async () => (await import('./lsm/index.js')).apparmorResource],
]);

/** The built-in kinds for checks, each loaded when a spec names it: what `run`, `plan` and `promote` plan with. */
export function createCheckRegistry(): LoadingRegistry {
  return new LoadingRegistry(CHECK_LOADERS);
}
