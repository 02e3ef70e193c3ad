// driftspec/mocha (docs/mocha.md): hosts declared at describe time, their facts gathered in one
// exec per host before the tests, chai assertions judged from them; load with `--require driftspec/mocha`.
import { controlOf } from './control.js';
import { enterTest } from './current-test.js';

export { useHost, useHosts, UseHostsOptionsSchema, TARGETS_ENV, INVENTORY_ENV, LIMIT_ENV } from './hosts.js';
export type { UseHostsOptions, Environment } from './hosts.js';
export { control, type MochaControlMeta } from './control.js';

/** What mocha hands a root hook: the test about to run. */
interface RootHookContext {
  currentTest?: { fullTitle(): string; file?: string; parent?: Parameters<typeof controlOf>[0]; skip?(): never };
}

/**
 * mocha's root hooks (`mocha --require driftspec/mocha`): they tell the reporter which test each
 * assertion belongs to. Hosts and their gathering need nothing global: useHosts() adds the
 * `before` hook to the suite that calls it.
 */
export const mochaHooks = {
  beforeEach(this: RootHookContext): void {
    const test = this.currentTest;
    const place = test && { title: test.fullTitle(), ...(test.file ? { file: test.file } : {}) };
    const skip = test?.skip ? { skip: () => test.skip!() } : {};
    enterTest(test && place ? { place, control: controlOf(test.parent), ...skip } : null);
  },
  afterEach(): void {
    enterTest(null);
  },
};
