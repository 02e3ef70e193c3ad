import { SpecError } from '../inputs/input-error.js';
import { parseLocatedYaml, yamlValue, type Locator, type Path, type SourceMap } from '../inputs/located-yaml.js';
import { NOT_PLAIN, readPlainYamlMap } from '../inputs/plain-yaml.js';

/**
 * An inventory's text cut into pieces that are read one at a time: the `hosts:` block one host at
 * a time, and the rest of the file apart. Reading fifty thousand hosts as one document held every
 * line, every parsed entry and every validated copy of it at once, about 1.7 KiB per host on top
 * of what the run keeps (docs/benchmarks.md). A piece is read, checked and let go before the next.
 *
 * Only the plainest layout is cut: a `hosts:` line at column 0, then hosts whose names are written
 * as plain words at one indentation. Anything else is no pieces at all.
 */
export interface InventoryPieces {
  /** The file without its `hosts:` block (both kept at their own lines' places otherwise). */
  rest: string;
  /** Each host's name as its key line writes it, in file order. */
  names: string[];
  /** The lines of the host at `index`, from its key line on, moved left to column 0. */
  hostText(index: number): string;
  /**
   * Where a path of the whole file is written, found by reading only the piece that holds it;
   * `inRest` looks a path up in the rest of the file only (a second `hosts:` there).
   */
  locator(source: string): Locator & { inRest(path: Path): string };
  /**
   * The value of a host's piece, or of the rest of the file, in any YAML: plain YAML by the fast
   * reader, anything else by the `yaml` package; a mistake is named at its place in the file.
   */
  hostValue(index: number, source: string): unknown;
  restValue(source: string): unknown;
}

const HOSTS_LINE = /^hosts:(?: +#.*| *)$/;
/** The characters of a host name (schema.ts), then the key's colon. */
const HOST_KEY = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):(?: |$)/;

/** Where the pieces lie in the text; offsets and line numbers (1-based) of the hosts at their index. */
interface Layout {
  hostsLine: number;
  /** Lines of the `hosts:` block, its own line included: what the rest lacks after it. */
  blockLines: number;
  hostIndent: number;
  starts: number[];
  startLines: number[];
}

export function inventoryPieces(text: string): InventoryPieces | undefined {
  const cut = cutIntoPieces(text);
  return 'brokenAt' in cut ? undefined : cut;
}

/**
 * The line (1-based) where the text leaves the layout that is cut into pieces: the line that is
 * not a host at the hosts' indentation, or the last line when there is no `hosts:` or no host.
 */
export function whereLayoutBreaks(text: string): number | undefined {
  const cut = cutIntoPieces(text);
  return 'brokenAt' in cut ? cut.brokenAt : undefined;
}

function cutIntoPieces(text: string): InventoryPieces | { brokenAt: number } {
  let blockStart = -1;
  let blockEnd = text.length;
  let hostsLine = 0;
  let line = 0;
  let hostIndent = -1;
  let seenContent = false;
  const names: string[] = [];
  const starts: number[] = [];
  const startLines: number[] = [];
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const content = text.slice(start, end);
    const next = end + 1;
    line++;
    if (blockStart < 0) {
      if (HOSTS_LINE.test(content)) [blockStart, hostsLine] = [start, line];
      // The file's top level is at column 0, where `hosts:` is: a first key indented is no sibling of it.
      else if (!seenContent && /^ +[^ #]/.test(content)) return { brokenAt: line };
      seenContent ||= /^ *[^ #]/.test(content);
      start = next;
      continue;
    }
    const indent = leadingSpaces(content);
    const rest = content.slice(indent);
    if (rest === '' || rest.startsWith('#')) {
      start = next;
      continue;
    }
    if (indent === 0) {
      blockEnd = start;
      break;
    }
    if (hostIndent < 0) hostIndent = indent;
    if (indent < hostIndent) return { brokenAt: line };
    if (indent === hostIndent) {
      const key = HOST_KEY.exec(rest);
      if (!key) return { brokenAt: line };
      names.push(key[1]!);
      starts.push(start);
      startLines.push(line);
    }
    start = next;
  }
  if (blockStart < 0 || names.length === 0) return { brokenAt: line };
  starts.push(blockEnd);
  const blockLines = countLines(text, blockStart, blockEnd);
  const layout: Layout = { hostsLine, blockLines, hostIndent, starts, startLines };
  const restText = text.slice(0, blockStart) + text.slice(blockEnd);
  const hostText = (index: number) => movedLeft(text.slice(starts[index], starts[index + 1]), hostIndent);
  return {
    rest: restText,
    names,
    hostText,
    locator: (source) => piecesLocator(source, layout, names, hostText, restText),
    hostValue: (index, source) =>
      pieceValue(hostText(index), source, (line, col) => hostPlace(layout, index, line, col)),
    restValue: (source) => pieceValue(restText, source, (line, col) => restPlace(layout, line, col)),
  };
}

/** Where a line and column of a host's piece are in the file. */
function hostPlace(layout: Layout, index: number, line: number, col: number): [number, number] {
  return [layout.startLines[index]! + line - 1, col + layout.hostIndent];
}

/** Where a line and column of the rest of the file are in the file: the lines after the hosts moved down. */
function restPlace(layout: Layout, line: number, col: number): [number, number] {
  return [line < layout.hostsLine ? line : line + layout.blockLines, col];
}

function pieceValue(text: string, source: string, place: (line: number, col: number) => [number, number]): unknown {
  const plain = readPlainYamlMap(text);
  if (plain !== NOT_PLAIN) return plain;
  try {
    return yamlValue(parseLocatedYaml(text, source).document, source);
  } catch (error) {
    if (!(error instanceof SpecError) || error.location === undefined) throw error;
    // A mistake of the whole piece (an alias naming another host's anchor) is named at its first line.
    const at = /:(\d+):(\d+)$/.exec(error.location) ?? [error.location, '1', '1'];
    const [line, col] = place(Number(at[1]), Number(at[2]));
    throw new SpecError(error.message.slice(error.location.length + 2), `${source}:${line}:${col}`);
  }
}

/**
 * A path under `hosts.NAME` is looked up in that host's piece alone, and its line and column moved
 * back to the host's place in the file; any other path in the rest of the file, parsed once when
 * first asked for. A large inventory's mistake is named without the whole file's document.
 */
function piecesLocator(
  source: string,
  layout: Layout,
  names: readonly string[],
  hostText: (index: number) => string,
  rest: string,
): Locator & { inRest(path: Path): string } {
  let indexes: Map<string, number> | undefined;
  let restMap: SourceMap | undefined;
  const written = ([line, col]: [number, number]) => `${source}:${line}:${col}`;
  const inHost = (index: number, path: Path): string => {
    const where = parseLocatedYaml(hostText(index), source).where.position(path) ?? { line: 1, col: 1 };
    return written(hostPlace(layout, index, where.line, where.col));
  };
  const inRest = (path: Path): string => {
    restMap ??= parseLocatedYaml(rest, source).where;
    const where = restMap.position(path);
    return where ? written(restPlace(layout, where.line, where.col)) : source;
  };
  return {
    at(path: Path): string {
      if (path[0] !== 'hosts') return inRest(path);
      indexes ??= new Map(names.map((name, index) => [name, index]));
      const index = indexes.get(String(path[1]));
      return index === undefined ? written([layout.hostsLine, 1]) : inHost(index, path.slice(1));
    },
    inRest,
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

function countLines(text: string, from: number, to: number): number {
  let lines = 0;
  for (let at = text.indexOf('\n', from); at >= 0 && at < to; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

function leadingSpaces(line: string): number {
  let count = 0;
  while (line.charCodeAt(count) === 32) count++;
  return count;
}
