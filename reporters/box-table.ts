import stringWidth from 'string-width';

/**
 * A table drawn line by line as cli-table3 draws one with its default box characters, one space
 * of padding and no colours: the same text, but a fleet's table of ten thousand hosts is written
 * in slices instead of being built whole (cli-table3 took some 70 MiB of heap for it). Cells are
 * single lines (printable() text). Widths are measured as cli-table3 measures them.
 */
export class BoxTable {
  private readonly widths: number[];

  constructor(private readonly head: readonly string[]) {
    this.widths = head.map((cell) => stringWidth(cell));
  }

  /** Widens the columns for a row that will be drawn. */
  measure(row: readonly string[]): void {
    row.forEach((cell, i) => {
      this.widths[i] = Math.max(this.widths[i] ?? 0, stringWidth(cell));
    });
  }

  top(): string {
    return this.border('┌', '┬', '┐');
  }

  /** The head, then the line under it: the bottom of the table when it has no rows. */
  headLines(rowsFollow: boolean): string[] {
    return [this.line(this.head), rowsFollow ? this.border('├', '┼', '┤') : this.border('└', '┴', '┘')];
  }

  /** A row, and the line under it: the bottom of the table for the last row. */
  rowLines(row: readonly string[], last: boolean): string[] {
    return [this.line(row), last ? this.border('└', '┴', '┘') : this.border('├', '┼', '┤')];
  }

  private line(cells: readonly string[]): string {
    const padded = this.widths.map((width, i) => {
      const cell = cells[i] ?? '';
      return ` ${cell}${' '.repeat(width - stringWidth(cell))} `;
    });
    return `│${padded.join('│')}│`;
  }

  private border(left: string, middle: string, right: string): string {
    return `${left}${this.widths.map((width) => '─'.repeat(width + 2)).join(middle)}${right}`;
  }
}
