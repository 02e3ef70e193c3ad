import { isScalar, Schema, type ScalarTag } from 'yaml';
import { builtOnce } from './built-once.js';
import { MAX_YAML_DEPTH } from './yaml-depth.js';

/**
 * A fast reader for the YAML that spec files are written in: block maps and sequences, plain,
 * quoted and literal (`|`, `|-`) scalars, flow collections on one line, comments. The `yaml`
 * package takes 50–80 ms over a spec of a few thousand lines in a process that has just started,
 * before its code is optimised; this takes a few. It gives exactly the value the `yaml` package
 * gives (YAML 1.2, core schema, scalars resolved by that package's own tags), or NOT_PLAIN as soon
 * as the text holds anything else — anchors, tags, folded scalars, multi-line plain or quoted
 * scalars, flow collections over several lines, keys that are not plain words, duplicate keys,
 * several documents, a mistake of any kind — and the caller reads it with the `yaml` package,
 * which knows the whole language and names where a mistake is.
 */
export const NOT_PLAIN = Symbol('not plain YAML');

export interface PlainYamlOptions {
  /** `0640` is the integer 640 to YAML 1.2; give such numbers as the text written instead. */
  leadingZeroNumbersAsText?: boolean;
}

/** The value of a text whose top level is a block map, or NOT_PLAIN. */
export function readPlainYamlMap(text: string, options: PlainYamlOptions = {}): unknown {
  if (UNSUPPORTED_CHARACTERS.test(text)) return NOT_PLAIN;
  try {
    return new PlainReader(text, options).document();
  } catch (error) {
    if (error === BAIL) return NOT_PLAIN;
    throw error;
  }
}

/** Tabs, carriage returns, byte order marks, other line breaks and control characters. */
const UNSUPPORTED_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029]/;

/** Deeper files, rare in practice, are left to the full parser, which measures nesting its own way. */
const DEEPEST = MAX_YAML_DEPTH / 2;

/** Thrown inside the reader when the text leaves the subset it reads. */
const BAIL = Symbol('bail');

function bail(): never {
  throw BAIL;
}

/** A plain key: a word without spaces, quotes, colons or flow indicators, then `:` and a space or the end. */
const BLOCK_KEY = /^([^\s\-?:,[\]{}#&*!|>'"%@`][^\s:,[\]{}#]*):(?: |$)/;
/** What a plain scalar may not start with (`-` only when a space follows, checked apart). */
const PLAIN_START_INDICATORS = new Set([...'?:,[]{}#&*!|>\'"%@`']);
const FLOW_INDICATORS = new Set([...',[]{}']);
const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};
const HEX_ESCAPE_LENGTHS: Record<string, number> = { x: 2, u: 4, U: 8 };

/** The core schema's tags that resolve a plain scalar; made once, since a large inventory is read host by host. */
const coreScalarTags = builtOnce(() =>
  new Schema({}).tags.filter(
    (tag): tag is ScalarTag => tag.default === true && 'test' in tag && tag.test !== undefined,
  ),
);

interface Line {
  indent: number;
  /** The line after its indentation. */
  content: string;
}

class PlainReader {
  private readonly lines: Line[];
  private pos = 0;
  private readonly scalarTags: ScalarTag[];

  constructor(
    text: string,
    private readonly options: PlainYamlOptions,
  ) {
    this.lines = text.split('\n').map((raw) => {
      const indent = leadingSpaces(raw);
      return { indent, content: raw.slice(indent) };
    });
    this.scalarTags = coreScalarTags();
  }

  document(): Record<string, unknown> {
    const first = this.nextContentLine();
    if (first === undefined || first.indent !== 0) bail();
    for (const { indent, content } of this.lines) {
      if (indent === 0 && /^(?:---|\.\.\.|%)/.test(content)) bail();
    }
    const value = this.blockMap(0, 1);
    if (this.nextContentLine() !== undefined) bail();
    return value;
  }

  /** The next line that is neither blank nor a comment, the reader moved onto it. */
  private nextContentLine(): Line | undefined {
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line.content !== '' && !line.content.startsWith('#')) return line;
      this.pos++;
    }
    return undefined;
  }

  private blockMap(indent: number, depth: number): Record<string, unknown> {
    if (depth > DEEPEST) bail();
    const map: Record<string, unknown> = {};
    for (let line = this.nextContentLine(); line && line.indent >= indent; line = this.nextContentLine()) {
      if (line.indent > indent) bail();
      const key = BLOCK_KEY.exec(line.content);
      if (!key) bail();
      const name = key[1]!;
      if (name === '__proto__' || Object.hasOwn(map, name) || this.resolvePlain(name, false) !== name) bail();
      this.pos++;
      map[name] = this.valueAfterIndicator(line.content.slice(name.length + 1), indent, depth, true);
    }
    return map;
  }

  private blockSeq(indent: number, depth: number): unknown[] {
    if (depth > DEEPEST) bail();
    const items: unknown[] = [];
    for (let line = this.nextContentLine(); line && line.indent >= indent; line = this.nextContentLine()) {
      if (line.indent > indent) bail();
      if (!isSeqEntry(line.content)) break;
      const rest = line.content.slice(1);
      const spaces = leadingSpaces(rest);
      if (BLOCK_KEY.test(rest.slice(spaces))) {
        // `- key: value` opens a map whose keys line up with this first one.
        this.lines[this.pos] = { indent: indent + 1 + spaces, content: rest.slice(spaces) };
        items.push(this.blockMap(this.lines[this.pos]!.indent, depth + 1));
      } else {
        this.pos++;
        items.push(this.valueAfterIndicator(rest, indent, depth, false));
      }
    }
    return items;
  }

  /**
   * The value after a key's `:` or a sequence entry's `-`, on the same line or on the lines
   * below, more indented than its parent (a sequence may also line up with its map's keys).
   */
  private valueAfterIndicator(rest: string, parentIndent: number, depth: number, inMap: boolean): unknown {
    if (rest !== '' && !rest.startsWith(' ')) bail();
    const value = rest.slice(leadingSpaces(rest));
    if (value === '' || value.startsWith('#')) return this.nestedBlock(parentIndent, depth, inMap);
    if (value.startsWith('|')) return this.literalScalar(value, parentIndent);
    if (value.startsWith('[') || value.startsWith('{')) {
      const flow = new FlowReader(value, this);
      const parsed = flow.node(depth + 1);
      endOfLine(value.slice(flow.at));
      return parsed;
    }
    if (value.startsWith('"') || value.startsWith("'")) {
      const { text, end } = quotedScalar(value, 0);
      endOfLine(value.slice(end));
      return text;
    }
    return this.resolvePlain(blockPlainScalar(value), true);
  }

  private nestedBlock(parentIndent: number, depth: number, inMap: boolean): unknown {
    const next = this.nextContentLine();
    if (next === undefined || next.indent < parentIndent) return null;
    if (next.indent === parentIndent)
      return inMap && isSeqEntry(next.content) ? this.blockSeq(next.indent, depth + 1) : null;
    if (isSeqEntry(next.content)) return this.blockSeq(next.indent, depth + 1);
    if (BLOCK_KEY.test(next.content)) return this.blockMap(next.indent, depth + 1);
    return bail();
  }

  /** `|` or `|-`: the lines below, more indented than the parent, as written. */
  private literalScalar(header: string, parentIndent: number): string {
    const chomping = /^\|(-?)(?: +#.*| *)$/.exec(header);
    if (!chomping) bail();
    const first = this.lines[this.pos];
    if (first === undefined || first.content === '' || first.indent <= parentIndent) bail();
    const indent = first.indent;
    const body: string[] = [];
    let kept = 0;
    for (; this.pos < this.lines.length; this.pos++) {
      const { indent: spaces, content } = this.lines[this.pos]!;
      if (content === '') {
        if (spaces > indent) bail();
        body.push('');
        continue;
      }
      if (spaces < indent) break;
      body.push(' '.repeat(spaces - indent) + content);
      kept = body.length;
    }
    const text = body.slice(0, kept).join('\n');
    return chomping[1] === '-' ? text : `${text}\n`;
  }

  /** A plain scalar's value, resolved by the core schema's own tags; keys must stay text. */
  resolvePlain(source: string, asValue: boolean): unknown {
    const tag = this.scalarTags.find((candidate) => candidate.test!.test(source));
    if (tag === undefined) return source;
    if (!asValue) return undefined;
    let failed = false;
    const resolved = tag.resolve(source, () => (failed = true), { intAsBigInt: false } as never);
    const value = isScalar(resolved) ? resolved.value : resolved;
    if (failed || (value !== null && typeof value === 'object')) bail();
    if (this.options.leadingZeroNumbersAsText && typeof value === 'number' && /^[-+]?0\d+$/.test(source)) return source;
    return value;
  }
}

/** One flow collection (`[…]` or `{…}`) and those nested in it, all on one line. */
class FlowReader {
  at = 0;

  constructor(
    private readonly text: string,
    private readonly reader: PlainReader,
  ) {}

  node(depth: number): unknown {
    if (depth > DEEPEST) bail();
    const open = this.text[this.at];
    this.at++;
    return open === '[' ? this.seq(depth) : this.map(depth);
  }

  private seq(depth: number): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.text[this.at] === ']') break;
      items.push(this.item(depth));
      this.skipSpaces();
      if (!this.separator(']')) break;
    }
    this.at++;
    return items;
  }

  private map(depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (;;) {
      this.skipSpaces();
      if (this.text[this.at] === '}') break;
      const key = this.plain();
      if (key === '__proto__' || Object.hasOwn(map, key) || this.reader.resolvePlain(key, false) !== key) bail();
      if (this.text[this.at] !== ':' || this.text[this.at + 1] !== ' ') bail();
      this.at += 2;
      this.skipSpaces();
      map[key] = this.item(depth);
      this.skipSpaces();
      if (!this.separator('}')) break;
    }
    this.at++;
    return map;
  }

  /** After an entry: `,` (true) or the closing bracket (false); anything else is not read here. */
  private separator(close: string): boolean {
    const next = this.text[this.at];
    if (next === ',') {
      this.at++;
      return true;
    }
    if (next === close) return false;
    return bail();
  }

  private item(depth: number): unknown {
    const first = this.text[this.at];
    if (first === '[' || first === '{') return this.node(depth + 1);
    if (first === '"' || first === "'") {
      const { text, end } = quotedScalar(this.text, this.at);
      this.at = end;
      return text;
    }
    return this.reader.resolvePlain(this.plain(), true);
  }

  /** A plain scalar inside a flow collection: up to the next indicator, without `:` or `#`. */
  private plain(): string {
    const start = this.at;
    while (this.at < this.text.length && !FLOW_INDICATORS.has(this.text[this.at]!) && this.text[this.at] !== ':')
      this.at++;
    const source = withoutTrailingSpaces(this.text.slice(start, this.at));
    if (source === '' || source.includes('#') || !plainStartAllowed(source)) bail();
    return source;
  }

  private skipSpaces(): void {
    while (this.text.charCodeAt(this.at) === 32) this.at++;
  }
}

/** YAML indents with spaces only: other white space is content. */
function leadingSpaces(text: string): number {
  let count = 0;
  while (text.charCodeAt(count) === 32) count++;
  return count;
}

function withoutTrailingSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return text.slice(0, end);
}

function isSeqEntry(content: string): boolean {
  return content === '-' || content.startsWith('- ');
}

/** A plain scalar that ends its line (a comment may follow): one line, no `: `, no trailing `:`. */
function blockPlainScalar(value: string): string {
  const comment = value.indexOf(' #');
  const source = withoutTrailingSpaces(comment === -1 ? value : value.slice(0, comment));
  if (!plainStartAllowed(source) || source.includes(': ') || source.endsWith(':')) bail();
  return source;
}

function plainStartAllowed(source: string): boolean {
  const first = source[0]!;
  if (PLAIN_START_INDICATORS.has(first)) return false;
  return first !== '-' || (source.length > 1 && source[1] !== ' ');
}

/** What may follow a value on its line: spaces, then a comment or nothing. */
function endOfLine(rest: string): void {
  if (rest === '') return;
  const trimmed = rest.slice(leadingSpaces(rest));
  if (trimmed !== '' && !(trimmed.startsWith('#') && trimmed.length < rest.length)) bail();
}

/** A single- or double-quoted scalar that closes on its own line. */
function quotedScalar(text: string, start: number): { text: string; end: number } {
  const quote = text[start];
  let value = '';
  let at = start + 1;
  while (at < text.length) {
    const char = text[at]!;
    if (char === quote) {
      if (quote === "'" && text[at + 1] === "'") {
        value += "'";
        at += 2;
        continue;
      }
      return { text: value, end: at + 1 };
    }
    if (quote === '"' && char === '\\') {
      const escaped = escapeSequence(text, at + 1);
      value += escaped.char;
      at = escaped.end;
      continue;
    }
    value += char;
    at++;
  }
  return bail();
}

function escapeSequence(text: string, at: number): { char: string; end: number } {
  const code = text[at];
  if (code === undefined) bail();
  const simple = SIMPLE_ESCAPES[code];
  if (simple !== undefined && Object.hasOwn(SIMPLE_ESCAPES, code)) return { char: simple, end: at + 1 };
  const length = HEX_ESCAPE_LENGTHS[code];
  if (length === undefined || !Object.hasOwn(HEX_ESCAPE_LENGTHS, code)) bail();
  const hex = text.slice(at + 1, at + 1 + length);
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) bail();
  const point = Number.parseInt(hex, 16);
  if (point > 0x10ffff) bail();
  return { char: String.fromCodePoint(point), end: at + 1 + length };
}
