import { accountDatabaseResource } from '../resources/account-database/index.js';
import { commandResource } from '../resources/command/index.js';
import { fileResource } from '../resources/file/index.js';
import { fileSearchResource } from '../resources/file-search/index.js';
import { groupResource } from '../resources/group/index.js';
import { kernelParameterResource } from '../resources/kernel-parameter/index.js';
import { mountResource } from '../resources/mount/index.js';
import { packageIntegrityResource, packageResource } from '../resources/package/index.js';
import { portResource } from '../resources/port/index.js';
import { processResource } from '../resources/process/index.js';
import { serviceResource } from '../resources/service/index.js';
import { sshConfigResource } from '../resources/ssh-config/index.js';
import { sshdConfigResource } from '../resources/sshd-config/index.js';
import { userResource } from '../resources/user/index.js';
import {
  iniFileResource,
  jsonFileResource,
  keyValueFileResource,
  yamlFileResource,
} from '../resources/structured-file/index.js';
import { kernelModuleResource } from '../resources/kernel-module/index.js';
import { x509CertificateResource } from '../resources/x509-certificate/index.js';
import { interfaceResource } from '../resources/interface/index.js';
import { routeResource } from '../resources/route/index.js';
import { hostResource } from '../resources/host/index.js';
import { dnsResource } from '../resources/dns/index.js';
import { httpResource } from '../resources/http/index.js';
import { cronResource } from '../resources/cron/index.js';
import { systemdTimerResource } from '../resources/systemd-timer/index.js';
import { iptablesResource } from '../resources/iptables/index.js';
import { systemdUnitResource } from '../resources/systemd-unit/index.js';
import { containerResource } from '../resources/container/index.js';
import { nftablesResource } from '../resources/nftables/index.js';
import { apparmorResource, selinuxResource } from '../resources/lsm/index.js';
import { resourceFunction } from './spec.js';

export { spec, control, planSpecs, isSpecDefinition, type SpecDefinition, type ControlMeta } from './spec.js';
export type { ResourceBuilder } from './builder.js';
export type { ResourceChain } from './spec.js';
export type { EventuallyInput } from '../plan/schema.js';

/** `package` is a reserved word in strict mode, hence `pkg`. */
export const pkg = resourceFunction(packageResource);
export const service = resourceFunction(serviceResource);
export const port = resourceFunction(portResource);
export const file = resourceFunction(fileResource);
export const user = resourceFunction(userResource);
export const group = resourceFunction(groupResource);
export const command = resourceFunction(commandResource);
/** InSpec's name; `process` would shadow Node's global. */
export const processes = resourceFunction(processResource);
export const kernelParameter = resourceFunction(kernelParameterResource);
export const mount = resourceFunction(mountResource);
export const sshdConfig = resourceFunction(sshdConfigResource);
export const sshConfig = resourceFunction(sshConfigResource);
export const fileSearch = resourceFunction(fileSearchResource);
export const jsonFile = resourceFunction(jsonFileResource);
export const yamlFile = resourceFunction(yamlFileResource);
export const iniFile = resourceFunction(iniFileResource);
/** Options: separator, comment, duplicates (first or last wins), ignoreCase, endAt. */
export const keyValueFile = resourceFunction(keyValueFileResource);
export const kernelModule = resourceFunction(kernelModuleResource);
export const x509Certificate = resourceFunction(x509CertificateResource);
export const accountDatabase = resourceFunction(accountDatabaseResource);
export const packageIntegrity = resourceFunction(packageIntegrityResource);
/** `interface` is a reserved word in strict mode, hence `networkInterface`. */
export const networkInterface = resourceFunction(interfaceResource);
export const route = resourceFunction(routeResource);
/** Resolution and reachability as the target sees them; `host` alone would read as the target itself. */
export const remoteHost = resourceFunction(hostResource);
export const dns = resourceFunction(dnsResource);
export const http = resourceFunction(httpResource);
/** Subject: "*" (every entry), a user name, /etc/crontab, /etc/cron.d/NAME or /etc/cron.daily (…). */
export const cron = resourceFunction(cronResource);
export const systemdTimer = resourceFunction(systemdTimerResource);
export const iptables = resourceFunction(iptablesResource);
export const systemdUnit = resourceFunction(systemdUnitResource);
export const container = resourceFunction(containerResource);
export const nftables = resourceFunction(nftablesResource);
export const selinux = resourceFunction(selinuxResource);
export const apparmor = resourceFunction(apparmorResource);
