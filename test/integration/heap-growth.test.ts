import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { ROOT } from '../../bench/lib/commands.js';

const HEAP_GROWTH = pathToFileURL(join(ROOT, 'dist/src/cli/heap-growth.js')).href;

/**
 * A node process that makes garbage of which a good part lives through a scavenge or two (what
 * makes V8 grow its young generation), with the flags of a large run set or not; its young
 * generation's size before and after, in bytes.
 */
const SCRIPT = `
import { getHeapSpaceStatistics } from 'node:v8';
const { boundHeapGrowth } = await import(process.argv[2]);
if (process.argv[3] === 'large') await boundHeapGrowth(1000, []);
const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
const before = newSpace();
const window = new Array(20000);
for (let i = 0; i < 3_000_000; i++) window[i % window.length] = { i, text: 'item ' + i, list: [i, i + 1] };
console.log(JSON.stringify({ before, after: newSpace() }));
`;

describe('boundHeapGrowth in a running node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-heap-growth-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const youngGeneration = (run: 'large' | 'small'): { before: number; after: number } => {
    const script = join(dir, 'young.mjs');
    writeFileSync(script, SCRIPT);
    return JSON.parse(execFileSync(process.execPath, [script, HEAP_GROWTH, run], { encoding: 'utf8' })) as {
      before: number;
      after: number;
    };
  };

  it('keeps the young generation of a large run near its first size, where V8 alone grows it many times', function () {
    this.timeout(60_000);
    const small = youngGeneration('small');
    const large = youngGeneration('large');
    const MiB = 1024 * 1024;
    expect(small.after, 'without the flags the garbage grows it (else this test shows nothing)').to.be.at.least(
      8 * MiB,
    );
    expect(large.after).to.be.at.most(Math.max(2 * large.before, 2 * MiB));
  });
});
