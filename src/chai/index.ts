// driftspec/chai (docs/chai.md): chai assertions on a host's resources, judged by the engine.
import { driftspecChai } from './plugin.js';

export default driftspecChai;
export { driftspecChai, CheckNotJudgedError, UnawaitedAssertionError } from './plugin.js';
export { host, HostOptionsSchema, isSubject, type Host, type HostOptions, type Subject } from './host.js';
export type { SubjectAssertion } from './types.js';
