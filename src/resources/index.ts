import type { AnyResource } from './resource.js';
import { commandResource } from './command.js';
import { fileResource } from './file.js';
import { groupResource } from './group.js';
import { kernelParameterResource } from './kernel-parameter.js';
import { mountResource } from './mount.js';
import { packageResource } from './package.js';
import { portResource } from './port.js';
import { processResource } from './process.js';
import { serviceResource } from './service.js';
import { userResource } from './user.js';

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
