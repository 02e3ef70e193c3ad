import type { TestPlace } from './record.js';

// The mocha test in progress, as the root hooks (index.ts) see it: mocha runs one test at a time
// in a process (and in each --parallel worker), and an assertion has no other way to learn which
// test awaits it. Only the reporter's records read it.
let current: TestPlace | null = null;

export function enterTest(place: TestPlace | null): void {
  current = place;
}

export function currentTest(): TestPlace | null {
  return current;
}
