/**
 * The one escaping function for text that reaches a terminal or a text report: every control
 * character (C0, DEL, C1), every line and paragraph separator and every bidirectional override or
 * isolate becomes a visible escape, so text from a target or a spec can neither move the cursor,
 * retitle or clear a terminal, reorder what is shown, nor split one report line into two.
 * `\n`, `\t` and `\r` keep their familiar escapes; the others are `\xNN` or `\uNNNN`. A backslash
 * stays as it is, so escaping twice changes nothing.
 */
export function printable(text: string, options: { keepLineBreaks?: boolean } = {}): string {
  const pattern = options.keepLineBreaks ? UNSAFE_IN_BLOCKS : UNSAFE;
  return text.replace(pattern, escapeOf);
}

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same, but line feeds and tabs stay: for multi-line blocks such as a command's output. */
const UNSAFE_IN_BLOCKS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function escapeOf(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
}

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0');
}
