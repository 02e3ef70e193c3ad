/**
 * Unified diffs of two texts (the content a snapshot keeps of a small text file), as `diff -u`
 * prints them without the file header: hunks of changed lines with up to three lines of context.
 */

const CONTEXT_LINES = 3;

type Edit = { op: ' ' | '-' | '+'; line: string; oldNo: number; newNo: number };

/** The lines of a text; a last line without a newline says so, as diff does. */
function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

/**
 * The shortest edit script (Myers' O(ND) algorithm), with the common head and tail taken off
 * first, so a one-line change in a large file costs next to nothing.
 */
function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const edits: Edit[] = [];
  for (let i = 0; i < head; i++) edits.push({ op: ' ', line: a[i]!, oldNo: i + 1, newNo: i + 1 });
  for (const edit of middleScript(midA, midB))
    edits.push({ ...edit, oldNo: edit.oldNo + head, newNo: edit.newNo + head });
  for (let i = tail; i > 0; i--) {
    const oldNo = a.length - i + 1;
    const newNo = b.length - i + 1;
    edits.push({ op: ' ', line: a[oldNo - 1]!, oldNo, newNo });
  }
  return edits;
}

function middleScript(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk back through the recorded frontiers.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const frontier = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && frontier[offset + k - 1]! < frontier[offset + k + 1]!);
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : frontier[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push({ op: ' ', line: a[x - 1]!, oldNo: x, newNo: y });
      x--;
      y--;
    }
    if (d === 0) break;
    if (down) edits.push({ op: '+', line: b[y - 1]!, oldNo: x, newNo: y });
    else edits.push({ op: '-', line: a[x - 1]!, oldNo: x, newNo: y });
    x = prevX;
    y = prevY;
  }
  return edits.reverse();
}

/** `diff -u`'s range: start,count; a count of 0 names the line before. */
function range(start: number, count: number): string {
  if (count === 1) return `${start}`;
  return `${count === 0 ? start - 1 : start},${count}`;
}

/** The unified diff of two texts, hunks only; empty when they are equal. */
export function unifiedDiff(before: string, after: string): string {
  const edits = editScript(linesOf(before), linesOf(after));
  const changed = edits.flatMap((edit, index) => (edit.op === ' ' ? [] : [index]));
  if (changed.length === 0) return '';
  const hunks: Array<[number, number]> = [];
  for (const index of changed) {
    const start = Math.max(0, index - CONTEXT_LINES);
    const end = Math.min(edits.length - 1, index + CONTEXT_LINES);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  }
  const out: string[] = [];
  for (const [start, end] of hunks) {
    const slice = edits.slice(start, end + 1);
    const oldLines = slice.filter((e) => e.op !== '+');
    const newLines = slice.filter((e) => e.op !== '-');
    const oldStart = oldLines[0]?.oldNo ?? firstNumber(slice, 'oldNo');
    const newStart = newLines[0]?.newNo ?? firstNumber(slice, 'newNo');
    out.push(`@@ -${range(oldStart, oldLines.length)} +${range(newStart, newLines.length)} @@`);
    for (const edit of slice) out.push(`${edit.op}${edit.line}`);
  }
  return `${out.join('\n')}\n`;
}

/** Where a side without lines in the hunk starts: after the line its first edit follows. */
function firstNumber(slice: readonly Edit[], side: 'oldNo' | 'newNo'): number {
  return slice[0]![side] + 1;
}
