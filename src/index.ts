export * from './dsl/index.js';
export {
  run,
  snapshot,
  drift,
  plan,
  RunOptionsSchema,
  SnapshotOptionsSchema,
  DriftOptionsSchema,
  DriftspecAbortError,
  DriftspecOptionError,
  SnapshotFailedError,
  type RunOptions,
  type RunOutcome,
  type SnapshotOptions,
  type DriftOptions,
  type DriftOutcome,
  type SshOptions,
  type ApiVerdict,
  type AbortSignalLike,
} from './api/index.js';
export { SpecError } from './inputs/input-error.js';
export { EXIT } from './gate/exit-codes.js';
export { DRIFT_EXIT } from './gate/drift-policy.js';
export type { GatePolicy } from './gate/policy.js';
export type { DriftPolicy } from './gate/drift-policy.js';
export type { Plan, Check, Control } from './plan/schema.js';
export type { RunResult, HostResult, CheckResult } from './results/schema.js';
export type { ValueMatcher } from './matchers/value.js';
export type { Snapshot } from './drift/snapshot-schema.js';
export type { DriftReport, HostDrift, DriftVerdict } from './drift/diff-schema.js';
