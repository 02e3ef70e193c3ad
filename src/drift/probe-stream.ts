import { END_MARKER, FRAME_HEADER, type Frame } from '../probe/frames.js';

/**
 * Parses probe output as it arrives, with bounded memory: framed queries (`DSFRAME id exit out
 * err` + bytes, as src/probe/frames.ts reads them whole) are kept, and a streamed section
 * (`DSSTREAM id` + NUL-terminated tokens up to its end record) is handed to its consumer token by
 * token and never kept.
 */

export const STREAM_HEADER = 'DSSTREAM';

/** One streamed section's reader: takes each token; says when the section's end record is complete. */
export interface TokenConsumer {
  token(token: Buffer): 'more' | 'end';
}

/** Longest framed query output kept (a package list is ~200 KiB); more is a broken probe. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** Longest token (a path or link target is at most PATH_MAX, 4096, on Linux). */
const MAX_TOKEN_BYTES = 1024 * 1024;
/** Longest header or stray line, and the most stray text kept. */
const MAX_LINE_BYTES = 64 * 1024;

type Mode =
  | { kind: 'line' }
  | {
      kind: 'body';
      id: string;
      exitCode: number;
      stdoutBytes: number;
      stderrBytes: number;
      parts: Buffer[];
      received: number;
    }
  | { kind: 'tokens'; id: string; consumer: TokenConsumer; parts: Buffer[]; received: number; ended: boolean }
  | { kind: 'broken' };

export class ProbeStreamParser {
  readonly frames = new Map<string, Frame>();
  /** Streamed sections that reached their end record. */
  readonly endedStreams = new Set<string>();
  /** True once the probe's end marker arrived. */
  complete = false;
  /** Why the output could not be followed any further, if it could not. */
  problem: string | undefined;
  private strayText = '';
  private mode: Mode = { kind: 'line' };
  private pendingLine: Buffer[] = [];
  private pendingLineBytes = 0;

  constructor(private readonly consumers: Readonly<Record<string, TokenConsumer>>) {}

  /** Never throws: a malformed output stops the parser and is reported through `problem`. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && this.mode.kind !== 'broken') offset = this.step(chunk, offset);
  }

  get stray(): string {
    return this.strayText.trim();
  }

  private step(chunk: Buffer, offset: number): number {
    const mode = this.mode;
    switch (mode.kind) {
      case 'line':
        return this.readLine(chunk, offset);
      case 'body':
        return this.readBody(mode, chunk, offset);
      case 'tokens':
        return this.readTokens(mode, chunk, offset);
      case 'broken':
        return chunk.length;
    }
  }

  private readLine(chunk: Buffer, offset: number): number {
    const newline = chunk.indexOf(0x0a, offset);
    const end = newline === -1 ? chunk.length : newline;
    this.pendingLine.push(chunk.subarray(offset, end));
    this.pendingLineBytes += end - offset;
    if (newline === -1) {
      if (this.pendingLineBytes > MAX_LINE_BYTES) this.addStray(this.takeLine());
      return chunk.length;
    }
    this.handleLine(this.takeLine());
    return newline + 1;
  }

  private takeLine(): string {
    const line = Buffer.concat(this.pendingLine).toString('utf8');
    this.pendingLine = [];
    this.pendingLineBytes = 0;
    return line;
  }

  private handleLine(line: string): void {
    if (line === END_MARKER) {
      this.complete = true;
      return;
    }
    const frame = new RegExp(`^${FRAME_HEADER} (\\S+) (\\d+) (\\d+) (\\d+)$`).exec(line);
    if (frame) {
      const [stdoutBytes, stderrBytes] = [Number(frame[3]), Number(frame[4])];
      if (stdoutBytes + stderrBytes > MAX_FRAME_BYTES)
        return this.fail(
          `query ${frame[1]} printed ${stdoutBytes + stderrBytes} bytes, more than the ${MAX_FRAME_BYTES} a query may`,
        );
      this.mode = {
        kind: 'body',
        id: frame[1]!,
        exitCode: Number(frame[2]),
        stdoutBytes,
        stderrBytes,
        parts: [],
        received: 0,
      };
      if (stdoutBytes + stderrBytes === 0) this.finishBody(this.mode);
      return;
    }
    const stream = new RegExp(`^${STREAM_HEADER} (\\S+)$`).exec(line);
    if (stream) {
      const consumer = this.consumers[stream[1]!];
      if (!consumer) return this.fail(`the probe streamed an unknown section ${JSON.stringify(stream[1])}`);
      this.mode = { kind: 'tokens', id: stream[1]!, consumer, parts: [], received: 0, ended: false };
      return;
    }
    this.addStray(line);
  }

  private readBody(mode: Extract<Mode, { kind: 'body' }>, chunk: Buffer, offset: number): number {
    const wanted = mode.stdoutBytes + mode.stderrBytes - mode.received;
    const piece = chunk.subarray(offset, offset + wanted);
    mode.parts.push(piece);
    mode.received += piece.length;
    if (mode.received === mode.stdoutBytes + mode.stderrBytes) this.finishBody(mode);
    return offset + piece.length;
  }

  private finishBody(mode: Extract<Mode, { kind: 'body' }>): void {
    const body = Buffer.concat(mode.parts);
    this.frames.set(mode.id, {
      id: mode.id,
      exitCode: mode.exitCode,
      stdout: body.subarray(0, mode.stdoutBytes),
      stderr: body.subarray(mode.stdoutBytes),
    });
    this.mode = { kind: 'line' };
  }

  private readTokens(mode: Extract<Mode, { kind: 'tokens' }>, chunk: Buffer, offset: number): number {
    if (mode.ended) {
      // The end record is followed by one newline, then framed output again.
      this.mode = { kind: 'line' };
      return chunk[offset] === 0x0a ? offset + 1 : offset;
    }
    const nul = chunk.indexOf(0x00, offset);
    const end = nul === -1 ? chunk.length : nul;
    if (end > offset) {
      mode.parts.push(chunk.subarray(offset, end));
      mode.received += end - offset;
    }
    if (mode.received > MAX_TOKEN_BYTES) {
      this.fail(`section ${mode.id}: a record field longer than ${MAX_TOKEN_BYTES} bytes`);
      return chunk.length;
    }
    if (nul === -1) return chunk.length;
    const token = mode.parts.length === 1 ? mode.parts[0]! : Buffer.concat(mode.parts);
    mode.parts = [];
    mode.received = 0;
    let said: 'more' | 'end';
    try {
      said = mode.consumer.token(token);
    } catch (error) {
      this.fail(`section ${mode.id}: ${(error as Error).message}`);
      return chunk.length;
    }
    if (said === 'end') {
      mode.ended = true;
      this.endedStreams.add(mode.id);
    }
    return nul + 1;
  }

  private addStray(line: string): void {
    if (this.strayText.length < MAX_LINE_BYTES) this.strayText += `${line.slice(0, MAX_LINE_BYTES)}\n`;
  }

  private fail(problem: string): void {
    this.problem ??= problem;
    this.mode = { kind: 'broken' };
  }
}
