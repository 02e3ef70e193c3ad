import { expect } from 'chai';
import { BOUNDED_HEAP_GROWTH_HOSTS, HEAP_GROWING_PERCENT, heapGrowthFlag } from '../../src/cli/heap-growth.js';

describe('heapGrowthFlag: how far a large run lets V8 grow its heap past its live data', () => {
  it('bounds the growth from BOUNDED_HEAP_GROWTH_HOSTS hosts on', () => {
    expect(heapGrowthFlag(BOUNDED_HEAP_GROWTH_HOSTS - 1, [])).to.equal(undefined);
    expect(heapGrowthFlag(BOUNDED_HEAP_GROWTH_HOSTS, [])).to.equal(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(Number.POSITIVE_INFINITY, ['--enable-source-maps'])).to.not.equal(undefined);
  });

  it('keeps what node was started with', () => {
    expect(heapGrowthFlag(10_000, ['--heap-growing-percent=50'])).to.equal(undefined);
    expect(heapGrowthFlag(10_000, ['--heap_growing_percent=50'])).to.equal(undefined);
  });
});
