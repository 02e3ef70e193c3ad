import type { AnyResource } from './resource.js';
import { commandResource } from './command/index.js';
import { fileResource } from './file/index.js';
import { groupResource } from './group/index.js';
import { kernelParameterResource } from './kernel-parameter/index.js';
import { mountResource } from './mount/index.js';
import { packageResource } from './package/index.js';
import { portResource } from './port/index.js';
import { processResource } from './process/index.js';
import { serviceResource } from './service/index.js';
import { userResource } from './user/index.js';

/** Every resource driftspec knows, keyed by the name a YAML check and a plan use. */
export const RESOURCES: readonly AnyResource[] = [
  packageResource,
  serviceResource,
  portResource,
  fileResource,
  userResource,
  groupResource,
  commandResource,
  processResource,
  kernelParameterResource,
  mountResource,
];

export type ResourceRegistry = ReadonlyMap<string, AnyResource>;

export function createRegistry(resources: readonly AnyResource[] = RESOURCES): ResourceRegistry {
  return new Map(resources.map((r) => [r.type, r]));
}
