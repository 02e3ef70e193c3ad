export * from './dsl/index.js';
export type { Plan, Check, Control } from './plan/schema.js';
export type { RunResult, HostResult, CheckResult } from './results/schema.js';
export type { ValueMatcher } from './matchers/value.js';
export type { Snapshot } from './drift/snapshot-schema.js';
