import { expect } from 'chai';
import {
  BOUNDED_HEAP_GROWTH_HOSTS,
  HEAP_GROWING_PERCENT,
  heapGrowthFlags,
  nodeFlags,
  SEMI_SPACE_GROWTH_FACTOR,
} from '../../src/cli/heap-growth.js';

describe('heapGrowthFlags: how far a large run lets V8 grow its heap', () => {
  const both = [
    `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
    `--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`,
  ];

  it('bounds the growth from BOUNDED_HEAP_GROWTH_HOSTS hosts on', () => {
    expect(heapGrowthFlags(BOUNDED_HEAP_GROWTH_HOSTS - 1, [])).to.deep.equal([]);
    expect(heapGrowthFlags(BOUNDED_HEAP_GROWTH_HOSTS, [])).to.deep.equal(both);
    expect(heapGrowthFlags(Number.POSITIVE_INFINITY, ['--enable-source-maps'])).to.deep.equal(both);
  });

  it('keeps what node was started with, flag by flag', () => {
    expect(heapGrowthFlags(10_000, ['--heap-growing-percent=50'])).to.deep.equal([both[1]]);
    expect(heapGrowthFlags(10_000, ['--heap_growing_percent=50'])).to.deep.equal([both[1]]);
    for (const young of ['--semi-space-growth-factor=4', '--max-semi-space-size=64', '--min_semi_space_size=8'])
      expect(heapGrowthFlags(10_000, [young]), young).to.deep.equal([both[0]]);
    expect(heapGrowthFlags(10_000, ['--max-semi-space-size=64', '--heap-growing-percent=50'])).to.deep.equal([]);
  });

  it('reads the flags node was started with from its command line and from NODE_OPTIONS', () => {
    expect(
      nodeFlags(['--inspect'], { NODE_OPTIONS: ' --max-semi-space-size=32  --enable-source-maps ' }),
    ).to.deep.equal(['--inspect', '--max-semi-space-size=32', '--enable-source-maps']);
    expect(nodeFlags([], {})).to.deep.equal([]);
    expect(heapGrowthFlags(10_000, nodeFlags([], { NODE_OPTIONS: '--semi-space-growth-factor=2' }))).to.deep.equal([
      both[0],
    ]);
  });
});
