/**
 * Bytes a target returned: node's Buffer. Named through `globalThis` so that the published
 * declarations compile without @types/node too, where they read as a plain Uint8Array.
 */
export type Bytes = typeof globalThis extends {
  Buffer: { isBuffer(value: unknown): value is infer B extends Uint8Array };
}
  ? B
  : Uint8Array;

/** One query's output as the probe framed it: exact bytes, never split on markers. */
export interface Frame {
  id: string;
  exitCode: number;
  stdout: Bytes;
  stderr: Bytes;
}

export interface ParsedProbeOutput {
  frames: Map<string, Frame>;
  /** False when the output stopped before the end marker (killed, timed out, connection lost). */
  complete: boolean;
  /** Text outside any frame: shell noise such as a login banner or a broken query wrapper. */
  stray: string;
}

export const FRAME_HEADER = 'DSFRAME';
export const END_MARKER = 'DSEND';

/**
 * Reads `DSFRAME <id> <exit> <stdout bytes> <stderr bytes>\n<stdout><stderr>` records.
 * Lengths come from `wc -c`, so any byte may appear inside a frame.
 */
export function parseProbeOutput(output: Bytes): ParsedProbeOutput {
  const frames = new Map<string, Frame>();
  const strayParts: string[] = [];
  let offset = 0;
  let complete = false;
  while (offset < output.length) {
    const newline = output.indexOf(0x0a, offset);
    const lineEnd = newline === -1 ? output.length : newline;
    const line = output.subarray(offset, lineEnd).toString('utf8');
    const header = parseHeader(line);
    if (line === END_MARKER) {
      complete = true;
      offset = lineEnd + 1;
      continue;
    }
    if (!header) {
      strayParts.push(line);
      offset = lineEnd + 1;
      continue;
    }
    const bodyStart = lineEnd + 1;
    const stdoutEnd = bodyStart + header.stdoutBytes;
    const stderrEnd = stdoutEnd + header.stderrBytes;
    if (stderrEnd > output.length) break;
    frames.set(header.id, {
      id: header.id,
      exitCode: header.exitCode,
      stdout: output.subarray(bodyStart, stdoutEnd),
      stderr: output.subarray(stdoutEnd, stderrEnd),
    });
    offset = stderrEnd;
  }
  return { frames, complete, stray: strayParts.join('\n').trim() };
}

function parseHeader(
  line: string,
): { id: string; exitCode: number; stdoutBytes: number; stderrBytes: number } | undefined {
  const match = /^DSFRAME (\S+) (\d+) (\d+) (\d+)$/.exec(line);
  if (!match) return undefined;
  return { id: match[1]!, exitCode: Number(match[2]), stdoutBytes: Number(match[3]), stderrBytes: Number(match[4]) };
}
