import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const RENDER = fileURLToPath(new URL('./support/render-large-drift.ts', import.meta.url));
const ITEMS = 1_000_000;
/**
 * The drift itself takes about 120 MB of heap; a reporter that held its output whole (150 to 600
 * million characters here) or a copy of the item list per piece would not fit beside it.
 */
const HEAP_MB = 256;

interface Measured {
  characters: number;
  pieces: number;
  largestPiece: number;
}

/** Renders in a child process with a small heap: running out of it there fails the test, not the suite. */
function renderLarge(reporter: string): Measured {
  const args = [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', RENDER, reporter, String(ITEMS)];
  const output = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(output) as Measured;
}

describe('drift reports of a million items, in bounded memory', function () {
  // Each render takes 5 to 40 s on a busy two-core machine; nothing here depends on how long.
  this.timeout(10 * 60_000);

  for (const reporter of ['cli', 'json', 'junit', 'html']) {
    it(`${reporter}: every item written, in pieces, within a ${HEAP_MB} MB heap`, () => {
      const measured = renderLarge(reporter);
      expect(measured.characters).to.be.greaterThan(ITEMS * 100);
      expect(measured.pieces).to.be.at.least(ITEMS);
      expect(measured.largestPiece).to.be.lessThan(64 * 1024);
    });
  }

  it(`markdown: lists its head and counts the rest, within a ${HEAP_MB} MB heap`, () => {
    const measured = renderLarge('markdown');
    expect(measured.characters).to.be.lessThan(64 * 1024);
  });
});
