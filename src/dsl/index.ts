import { commandResource } from '../resources/command/index.js';
import { fileResource } from '../resources/file/index.js';
import { groupResource } from '../resources/group/index.js';
import { kernelParameterResource } from '../resources/kernel-parameter/index.js';
import { mountResource } from '../resources/mount/index.js';
import { packageResource } from '../resources/package/index.js';
import { portResource } from '../resources/port/index.js';
import { processResource } from '../resources/process/index.js';
import { serviceResource } from '../resources/service/index.js';
import { userResource } from '../resources/user/index.js';
import { interfaceResource } from '../resources/interface/index.js';
import { routeResource } from '../resources/route/index.js';
import { hostResource } from '../resources/host/index.js';
import { dnsResource } from '../resources/dns/index.js';
import { httpResource } from '../resources/http/index.js';
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
/** `interface` is a reserved word in strict mode, hence `networkInterface`. */
export const networkInterface = resourceFunction(interfaceResource);
export const route = resourceFunction(routeResource);
/** Resolution and reachability as the target sees them; `host` alone would read as the target itself. */
export const remoteHost = resourceFunction(hostResource);
export const dns = resourceFunction(dnsResource);
export const http = resourceFunction(httpResource);
