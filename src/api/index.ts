// The programmatic API (docs/api.md): what `driftspec run`, `snapshot`, `drift` and `plan` do,
// as functions with typed options, typed results and cancellation by AbortSignal.

export { run, RunOptionsSchema, type RunOptions, type RunOutcome } from './run.js';
export { snapshot, SnapshotOptionsSchema, type SnapshotOptions } from './snapshot.js';
export { drift, DriftOptionsSchema, type DriftOptions, type DriftOutcome } from './drift.js';
export { plan } from './plan.js';
export type { AbortSignalLike, SshOptions } from './schemas.js';
export type { ApiVerdict } from './verdict.js';
export { DriftspecAbortError, DriftspecOptionError, SnapshotFailedError } from './errors.js';
