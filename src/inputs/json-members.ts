import { SpecError } from './input-error.js';

/** What a JsonMemberScanner hands over as it reads a top-level JSON object. */
export interface JsonMemberSink {
  /** A member of the object, its value's JSON text whole (not the streamed list). */
  member(key: string, text: string): void;
  /** One item of the streamed list, its JSON text whole, with its index in the list. */
  item(index: number, text: string): void;
}

type State =
  | 'root'
  | 'key-or-end'
  | 'key-start'
  | 'key'
  | 'colon'
  | 'value-start'
  | 'value'
  | 'comma-or-end'
  | 'item-or-end'
  | 'item-start'
  | 'item'
  | 'item-comma-or-end'
  | 'done';

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Reads the JSON text of an object in pieces, as they come from a file, and hands over each of its
 * members' values as text, except the list under `streamedKey`, whose items are handed over one by
 * one: a document far larger than the memory is read with no more than one member or item held.
 * The structure around the values is checked here; each value's own syntax is left to JSON.parse
 * by the sink. Values larger than `maxValueChars` are refused, so that no one value fills the memory.
 */
export class JsonMemberScanner {
  private state: State = 'root';
  private key = '';
  private readonly keys = new Set<string>();
  private index = 0;
  private readonly value = new ValueScanner();

  constructor(
    private readonly path: string,
    private readonly streamedKey: string,
    private readonly sink: JsonMemberSink,
    private readonly maxValueChars: number,
    /** What to say when the document is not an object. */
    private readonly notAnObject: string,
  ) {}

  /** The next piece of the text. */
  push(text: string): void {
    let at = 0;
    while (at < text.length) at = this.inValue() ? this.scanValue(text, at) : this.between(text, at);
  }

  /** The end of the text: a document not closed yet was cut short. */
  end(): void {
    if (this.state === 'done') return;
    if (this.state === 'root') throw new SpecError('not JSON: the file is empty', this.path);
    throw new SpecError('not JSON: the file ends in the middle of the document (cut short?)', this.path);
  }

  private inValue(): boolean {
    return this.state === 'key' || this.state === 'value' || this.state === 'item';
  }

  /** A character between values: only the object's and the list's punctuation may be there. */
  private between(text: string, at: number): number {
    const char = text[at]!;
    if (WHITESPACE.has(char.charCodeAt(0))) return at + 1;
    switch (this.state) {
      case 'root':
        if (char !== '{') throw new SpecError(this.notAnObject, this.path);
        return this.to('key-or-end', at + 1);
      case 'key-or-end':
        return char === '}' ? this.to('done', at + 1) : this.expect(char, '"', 'key', at);
      case 'key-start':
        return this.expect(char, '"', 'key', at);
      case 'colon':
        return this.expect(char, ':', 'value-start', at);
      case 'value-start':
        if (this.key === this.streamedKey && char === '[') {
          this.sink.member(this.key, '[]');
          return this.to('item-or-end', at + 1);
        }
        return this.to('value', at);
      case 'comma-or-end':
        return char === '}' ? this.to('done', at + 1) : this.expect(char, ',', 'key-start', at);
      case 'item-or-end':
        return char === ']' ? this.to('comma-or-end', at + 1) : this.to('item', at);
      case 'item-start':
        return this.to('item', at);
      case 'item-comma-or-end':
        return char === ']' ? this.to('comma-or-end', at + 1) : this.expect(char, ',', 'item-start', at);
      default:
        throw new SpecError(`not JSON: text after the end of the document ("${char}")`, this.path);
    }
  }

  private to(state: State, at: number): number {
    this.state = state;
    if (state === 'key') this.value.openString();
    return at;
  }

  private expect(char: string, wanted: string, next: State, at: number): number {
    if (char !== wanted) throw new SpecError(`not JSON: expected ${wanted} but found "${char}"`, this.path);
    return this.to(next, at + 1);
  }

  private scanValue(text: string, at: number): number {
    const end = this.value.scan(text, at);
    if (this.value.length > this.maxValueChars)
      throw new SpecError(`not accepted: a value of more than ${this.maxValueChars} characters`, this.path);
    if (end === -1) return text.length;
    const raw = this.value.take();
    if (raw === '') throw new SpecError(`not JSON: expected a value but found "${text[at]}"`, this.path);
    this.finishValue(raw);
    return end;
  }

  /** The key's text after its opening quote, up to and with its closing one. */
  private keyOf(raw: string): string {
    try {
      return JSON.parse(`"${raw}`) as string;
    } catch {
      throw new SpecError(`not JSON: the key "${raw.slice(0, 100)} is not a JSON string`, this.path);
    }
  }

  private finishValue(raw: string): void {
    if (this.state === 'key') {
      this.key = this.keyOf(raw);
      if (this.keys.has(this.key)) throw new SpecError(`not JSON: the key "${this.key}" appears twice`, this.path);
      this.keys.add(this.key);
      this.state = 'colon';
    } else if (this.state === 'value') {
      this.sink.member(this.key, raw);
      this.state = 'comma-or-end';
    } else {
      this.sink.item(this.index++, raw);
      this.state = 'item-comma-or-end';
    }
  }
}

/**
 * One JSON value's text, gathered across pieces: a string up to its closing quote, an object or a
 * list up to its closing bracket (strings inside skipped), a number or literal up to the first
 * character that cannot continue it.
 */
class ValueScanner {
  private parts: string[] = [];
  private size = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private scalar = false;

  get length(): number {
    return this.size;
  }

  /** The value is a string whose opening quote was already read. */
  openString(): void {
    this.started = true;
    this.inString = true;
  }

  /** Where the value ends in `text` (the index after it), or -1 when it goes on in the next piece. */
  scan(text: string, from: number): number {
    let at = from;
    if (!this.started) {
      this.started = true;
      const first = text.charCodeAt(at);
      this.scalar = first !== QUOTE && first !== 0x7b && first !== 0x5b;
      if (!this.scalar) {
        if (first === QUOTE) this.inString = true;
        else this.depth = 1;
        at++;
      }
    }
    const end = this.scalar ? this.scalarEnd(text, at) : this.nestedEnd(text, at);
    this.keep(text.slice(from, end === -1 ? text.length : end));
    return end;
  }

  take(): string {
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.started = false;
    this.scalar = false;
    return text;
  }

  private keep(piece: string): void {
    if (piece.length === 0) return;
    this.parts.push(piece);
    this.size += piece.length;
  }

  private scalarEnd(text: string, from: number): number {
    for (let at = from; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (WHITESPACE.has(code) || code === 0x2c || code === 0x7d || code === 0x5d) return at;
    }
    return -1;
  }

  private nestedEnd(text: string, from: number): number {
    for (let at = from; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (code === BACKSLASH) this.escaped = true;
        else if (code === QUOTE) {
          this.inString = false;
          if (this.depth === 0) return at + 1;
        }
      } else if (code === QUOTE) this.inString = true;
      else if (code === 0x7b || code === 0x5b) this.depth++;
      else if ((code === 0x7d || code === 0x5d) && --this.depth === 0) return at + 1;
    }
    return -1;
  }
}
