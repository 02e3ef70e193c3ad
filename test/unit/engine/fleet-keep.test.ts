import { expect } from 'chai';
import { runFleet } from '../../../src/engine/fleet.js';
import type { Target } from '../../../src/targets/target.js';

function target(index: number): Target {
  return {
    name: `ssh://root@host-${index}:22`,
    exec: () => new Promise(() => undefined),
    close: async () => undefined,
  };
}

describe('fleet: what it keeps of a finished host', () => {
  it('hands every result to keep once, as the host ends, and holds only what keep returned', async () => {
    const targets = Array.from({ length: 6 }, (_, index) => target(index));
    const kept: Array<[number, string]> = [];
    const { results } = await runFleet(targets, {
      concurrency: 3,
      hostTimeoutMs: 60_000,
      // The later hosts end first: keep sees them in the order they end, with their index.
      work: async (t, index) => {
        await new Promise((resolve) => setTimeout(resolve, (6 - index) * 5));
        return `${t.name} done`;
      },
      stopped: (t, stop) => `${t.name} ${stop.kind}`,
      keep: (result, index) => {
        kept.push([index, result]);
        return index;
      },
    });
    expect(results).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(kept.map(([index]) => index).sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(kept.find(([index]) => index === 4)?.[1]).to.equal('ssh://root@host-4:22 done');
  });

  it('keeps a host that ran out of time once, as stopped, even when its work ends later', async () => {
    const kept: string[] = [];
    await runFleet([target(0)], {
      concurrency: 1,
      hostTimeoutMs: 10,
      work: async () => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        return 'late';
      },
      stopped: (_t, stop) => stop.kind,
      keep: (result) => void kept.push(result),
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(kept).to.deep.equal(['timeout']);
  });

  it('ends only once every close still under way has ended, the slow ones included', async () => {
    const closed: number[] = [];
    const slowToClose = (index: number): Target => ({
      ...target(index),
      close: () => new Promise<void>((resolve) => setTimeout(() => resolve(void closed.push(index)), index * 15)),
    });
    const { results } = await runFleet([0, 1, 2, 3].map(slowToClose), {
      concurrency: 2,
      hostTimeoutMs: 60_000,
      work: async (t) => t.name,
      stopped: (t) => t.name,
    });
    expect(results).to.have.length(4);
    expect(closed.sort()).to.deep.equal([0, 1, 2, 3]);
  });
});
