import type { ControlInput } from '../plan/assemble.js';
import type { TestPlace } from './record.js';

/** The mocha test in progress, and the control (src/mocha/control.ts) it belongs to. */
export interface CurrentTest {
  place: TestPlace;
  control: ControlInput | undefined;
  /** Marks the test pending and ends it (mocha's `this.skip()`): a control that does not apply, or is waived. */
  skip?: () => never;
}

// The mocha test in progress, as the root hooks (index.ts) see it: mocha runs one test at a time
// in a process (and in each --parallel worker), and an assertion has no other way to learn which
// test awaits it. The reporter's records and the checks' controls read it.
let current: CurrentTest | null = null;

export function enterTest(test: CurrentTest | null): void {
  current = test;
}

export function currentTest(): CurrentTest | null {
  return current;
}
