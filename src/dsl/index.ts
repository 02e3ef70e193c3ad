import { fileResource } from '../resources/file.js';
import { resourceFunction } from './spec.js';

export { spec, control, planSpecs, isSpecDefinition, type SpecDefinition, type ControlMeta } from './spec.js';
export type { ResourceBuilder } from './builder.js';

export const file = resourceFunction(fileResource);
