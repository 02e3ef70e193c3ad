import type { AnyResource } from './resource.js';
import { fileResource } from './file.js';

/** Every resource driftspec knows, keyed by the name a YAML check and a plan use. */
export const RESOURCES: readonly AnyResource[] = [fileResource];

export type ResourceRegistry = ReadonlyMap<string, AnyResource>;

export function createRegistry(resources: readonly AnyResource[] = RESOURCES): ResourceRegistry {
  return new Map(resources.map((r) => [r.type, r]));
}
