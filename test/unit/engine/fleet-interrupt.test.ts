import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import { runFleet } from '../../../src/engine/fleet.js';
import type { Target } from '../../../src/targets/target.js';

/** A target whose work never ends on its own: only the interrupt ends it. */
function hangingTarget(index: number): Target {
  return {
    name: `ssh://root@host-${index}:22`,
    exec: () => new Promise(() => undefined),
    close: async () => undefined,
  };
}

describe('fleet: an interrupt with many hosts in progress', () => {
  it('ends every host in progress through one listener on the signal, removed when the fleet ends', async () => {
    const controller = new AbortController();
    const targets = Array.from({ length: 25 }, (_, index) => hangingTarget(index));
    const listenerCounts: number[] = [];
    const outcome = runFleet(targets, {
      concurrency: 20,
      hostTimeoutMs: 60_000,
      work: () => new Promise<string>(() => undefined),
      stopped: (target, stop) => `${target.name} ${stop.kind}${stop.kind === 'interrupted' ? ` ${stop.started}` : ''}`,
      interrupt: controller.signal,
    });
    await new Promise((resolve) => setImmediate(resolve));
    listenerCounts.push(getEventListeners(controller.signal, 'abort').length);
    controller.abort();
    const { results, interrupted } = await outcome;
    listenerCounts.push(getEventListeners(controller.signal, 'abort').length);
    expect(listenerCounts).to.deep.equal([1, 0]);
    expect(interrupted).to.equal(true);
    expect(results.filter((line) => line.endsWith('interrupted true'))).to.have.length(20);
    expect(results.filter((line) => line.endsWith('interrupted false'))).to.have.length(5);
  });

  it('leaves no listener on the signal when every host ends on its own', async () => {
    const controller = new AbortController();
    const targets = Array.from({ length: 12 }, (_, index) => hangingTarget(index));
    const { interrupted } = await runFleet(targets, {
      concurrency: 12,
      hostTimeoutMs: 60_000,
      work: async (target) => target.name,
      stopped: (target) => target.name,
      interrupt: controller.signal,
    });
    expect(interrupted).to.equal(false);
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
  });
});
