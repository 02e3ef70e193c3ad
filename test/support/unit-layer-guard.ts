/**
 * Root hook plugin of the unit layer (.mocharc.unit.json): a unit test judges recorded data and
 * never starts a process. Every child_process function that starts one is wrapped so that a call
 * throws at once and the test (or, for a call outside a test, the whole run) fails afterwards,
 * even when the code under test catches the error and carries on.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const PROCESS_STARTERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

const violations: string[] = [];

function refuse(name: string, args: readonly unknown[]): never {
  const command = typeof args[0] === 'string' ? args[0] : String(args[0]);
  const violation =
    `a unit test called child_process.${name}(${JSON.stringify(command)}): unit tests must not start processes; ` +
    'move the test to test/integration/ or name its file *.integration.test.ts';
  violations.push(violation);
  throw new Error(violation);
}

for (const name of PROCESS_STARTERS) {
  (childProcess as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => refuse(name, args);
}
// ES module imports of node:child_process read the patched functions only after this.
syncBuiltinESMExports();

function takeViolations(): string[] {
  return violations.splice(0, violations.length);
}

export const mochaHooks = {
  afterEach(this: Mocha.Context): void {
    const found = takeViolations();
    if (found.length > 0) throw new Error(found.join('\n'));
  },
  afterAll(): void {
    const found = takeViolations();
    if (found.length > 0) throw new Error(`outside any test:\n${found.join('\n')}`);
  },
};
