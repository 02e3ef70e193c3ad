/**
 * An inventory's text cut into pieces that are read one at a time: the `hosts:` block one host at
 * a time, and the rest of the file apart. Reading fifty thousand hosts as one document held every
 * line, every parsed entry and every validated copy of it at once, about 1.7 KiB per host on top
 * of what the run keeps (docs/benchmarks.md). A piece is read, checked and let go before the next.
 *
 * Only the plainest layout is cut: a `hosts:` line at column 0, then hosts whose names are written
 * as plain words at one indentation. Anything else is no pieces at all, and the caller reads the
 * file whole.
 */
export interface InventoryPieces {
  /** The file without its `hosts:` block (both kept at their own lines' places otherwise). */
  rest: string;
  /** Each host's name as its key line writes it, in file order. */
  names: string[];
  /** The lines of the host at `index`, from its key line on, moved left to column 0. */
  hostText(index: number): string;
}

const HOSTS_LINE = /^hosts:(?: +#.*| *)$/;
/** The characters of a host name (schema.ts), then the key's colon. */
const HOST_KEY = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):(?: |$)/;

export function inventoryPieces(text: string): InventoryPieces | undefined {
  let blockStart = -1;
  let blockEnd = text.length;
  let hostIndent = -1;
  const names: string[] = [];
  const starts: number[] = [];
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(start, end);
    const next = end + 1;
    if (blockStart < 0) {
      if (HOSTS_LINE.test(line)) blockStart = start;
      start = next;
      continue;
    }
    const indent = leadingSpaces(line);
    const content = line.slice(indent);
    if (content === '' || content.startsWith('#')) {
      start = next;
      continue;
    }
    if (indent === 0) {
      blockEnd = start;
      break;
    }
    if (hostIndent < 0) hostIndent = indent;
    if (indent < hostIndent) return undefined;
    if (indent === hostIndent) {
      const key = HOST_KEY.exec(content);
      if (!key) return undefined;
      names.push(key[1]!);
      starts.push(start);
    }
    start = next;
  }
  if (blockStart < 0 || names.length === 0) return undefined;
  starts.push(blockEnd);
  return {
    rest: text.slice(0, blockStart) + text.slice(blockEnd),
    names,
    hostText: (index) => movedLeft(text.slice(starts[index], starts[index + 1]), hostIndent),
  };
}

/**
 * Each line `indent` spaces to the left. The lines less indented than the host are blank or
 * comments (inventoryPieces let no other through): they lose all their spaces, so a comment still
 * ends a literal scalar above it as it did in place.
 */
function movedLeft(lines: string, indent: number): string {
  return lines
    .split('\n')
    .map((line) => line.slice(Math.min(indent, leadingSpaces(line))))
    .join('\n');
}

function leadingSpaces(line: string): number {
  let count = 0;
  while (line.charCodeAt(count) === 32) count++;
  return count;
}
