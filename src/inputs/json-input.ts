import { SpecError } from './input-error.js';

/**
 * The value of an input file's JSON text; an empty file, a file cut short or any other syntax error is a
 * SpecError naming `path`.
 */
export function parseJsonInput(text: string, path: string): unknown {
  if (text.trim() === '') throw new SpecError('not JSON: the file is empty', path);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = oneLine((error as Error).message);
    const stoppedAt = /at position (\d+)/.exec(message);
    const atTheEnd = stoppedAt !== null && Number(stoppedAt[1]) >= text.trimEnd().length;
    const cutShort = atTheEnd || /end of JSON input|Unterminated string/i.test(message);
    throw new SpecError(
      cutShort
        ? `not JSON: the file ends in the middle of the document (cut short?): ${message}`
        : `not JSON: ${message}`,
      path,
    );
  }
}

/** JSON.parse quotes the start of the text it failed on: kept on one line, control characters escaped. */
function oneLine(message: string): string {
  const escaped = message.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return escaped.length > 300 ? `${escaped.slice(0, 300)}…` : escaped;
}
