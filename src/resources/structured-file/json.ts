import { FactError } from '../resource.js';
import { lineAndColumn } from './position.js';

/**
 * A JSON document as JSON.parse reads it (a key given twice: the last one wins). A syntax error
 * names the file, line and column: from V8's message where it gives a position, otherwise from
 * a scan for the first character that cannot continue the document.
 */
export function parseJsonDocument(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const stated = /at position (\d+)/.exec(message);
    const offset = stated ? Number(stated[1]) : firstJsonErrorOffset(text);
    const reason = message.replace(/,? ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    if (offset === undefined) throw new FactError(`${path}: not valid JSON (${reason})`);
    const { line, column } = lineAndColumn(text, offset);
    throw new FactError(`${path}:${line}:${column}: not valid JSON (${reason})`);
  }
}

/**
 * The offset of the first character a JSON document cannot have there (the text's length when it
 * ends early); undefined where the nesting is too deep to scan.
 */
export function firstJsonErrorOffset(text: string): number | undefined {
  let at = 0;
  const blank = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const fail = (): never => {
    throw at;
  };
  const expect = (char: string) => (text[at] === char ? at++ : fail());
  const string = () => {
    expect('"');
    while (at < text.length && text[at] !== '"') {
      if (text.charCodeAt(at) < 0x20) fail();
      if (text[at] === '\\') {
        at++;
        if (text[at] === 'u') {
          for (let i = 1; i <= 4; i++) {
            if (/[0-9a-fA-F]/.test(text[at + i] ?? '')) continue;
            at += i;
            fail();
          }
          at += 4;
        } else if (!'"\\/bfnrt'.includes(text[at] ?? 'x') || at >= text.length) fail();
      }
      at++;
    }
    expect('"');
  };
  const pair = () => {
    string();
    blank();
    expect(':');
    value();
  };
  const value = (): void => {
    blank();
    const char = text[at];
    if (char === '{') members('}', pair);
    else if (char === '[') members(']', value);
    else if (char === '"') string();
    else {
      const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?)/.exec(text.slice(at, at + 400));
      if (!literal) fail();
      at += literal![0].length;
    }
  };
  const members = (close: string, member: () => void) => {
    at++;
    blank();
    if (text[at] === close) return void at++;
    for (;;) {
      blank();
      member();
      blank();
      if (text[at] === close) return void at++;
      expect(',');
    }
  };
  try {
    value();
    blank();
    return Math.min(at, text.length);
  } catch (offset) {
    return typeof offset === 'number' ? Math.min(offset, text.length) : undefined;
  }
}
