import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readInputFile, readInputPieces } from '../../src/inputs/read.js';

describe("readInputPieces: an input file as text in pieces, with readInputFile's checks", () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-pieces-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: Buffer) => {
    writeFileSync(join(dir, name), bytes);
    return name;
  };
  const refusal = (read: () => unknown) => {
    try {
      read();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the file to be refused');
  };

  it("gives the text of readInputFile, characters cut by a piece's end kept whole", () => {
    // 'é' (2 bytes) and '𝄞' (4 bytes) across every byte of the first 64 KiB boundary.
    for (const shift of [0, 1, 2, 3]) {
      const text = `${'a'.repeat(65_534 - shift)}é𝄞\n${'b'.repeat(70_000)}\n`;
      const name = write(`ok-${shift}.json`, Buffer.from(text));
      expect([...readInputPieces(name, 'shardResult', dir)].join('')).to.equal(text);
    }
  });

  it('names a bad byte at its line and column in any piece, as readInputFile does', () => {
    const before = Buffer.from(`${'a'.repeat(65_530)}\nxé${'c'.repeat(70_000)}\nab`);
    for (const [name, bytes] of [
      ['bad-later.json', Buffer.concat([before, Buffer.from([0xff]), Buffer.from('z\n')])],
      ['bad-at-end.json', Buffer.concat([before, Buffer.from([0xe2, 0x82])])],
      ['bad-at-cut.json', Buffer.concat([Buffer.from('a'.repeat(65_535)), Buffer.from([0xff]), Buffer.from('zz\n')])],
    ] as const) {
      const path = write(name, bytes);
      const whole = refusal(() => readInputFile(path, 'shardResult', dir));
      expect(whole).to.match(/not UTF-8/);
      expect(
        refusal(() => [...readInputPieces(path, 'shardResult', dir)]),
        name,
      ).to.equal(whole);
    }
  });
});
