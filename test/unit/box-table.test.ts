import { expect } from 'chai';
import Table from 'cli-table3';
import { BoxTable } from '../../reporters/box-table.js';
import { seededRandom } from '../support/seeded-random.js';

/** The whole table as BoxTable draws it, line by line. */
function drawn(head: string[], rows: string[][]): string {
  const table = new BoxTable(head);
  for (const row of rows) table.measure(row);
  const lines = [table.top(), ...table.headLines(rows.length > 0)];
  rows.forEach((row, i) => lines.push(...table.rowLines(row, i === rows.length - 1)));
  return lines.join('\n');
}

function cliTable3(head: string[], rows: string[][]): string {
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row);
  return table.toString();
}

describe('box table (the cli report summary, drawn in slices)', () => {
  it('draws exactly what cli-table3 draws, wide, combining and emoji characters included', () => {
    const cells = ['', 'a', 'ssh://root@10.0.0.1:22', 'completed', '12345', '東京-web', 'e\u0301', '🙂 ok', 'ÄÖÜ', '·'];
    const next = seededRandom(7);
    for (let round = 0; round < 200; round++) {
      const columns = 1 + Math.floor(next() * 6);
      const head = Array.from({ length: columns }, (_, i) =>
        i === 0 ? 'target' : cells[Math.floor(next() * cells.length)]!,
      );
      const rows = Array.from({ length: Math.floor(next() * 5) }, () =>
        Array.from({ length: columns }, () => cells[Math.floor(next() * cells.length)]!),
      );
      expect(drawn(head, rows), JSON.stringify({ head, rows })).to.equal(cliTable3(head, rows));
    }
  });
});
