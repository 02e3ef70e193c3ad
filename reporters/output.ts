import { resolve } from 'node:path';
import {
  chunkPieces,
  prepareFileAtomically,
  writeChunksOverlapped,
  type PreparedFile,
} from '../src/io/atomic-write.js';
import type { RunResult } from '../src/results/schema.js';
import type { Verdict } from '../src/gate/verdict.js';

/** One `--reporter` value: `cli`, `json:out/run.json`. Without a path the report goes to stdout. */
export interface ReporterRequest {
  name: string;
  path?: string;
}

/**
 * A report's text: one string, or its pieces in order, so that a large report (a fleet's JSON)
 * is written as it is rendered and never held as one string.
 */
export type ReportText = string | Iterable<string>;

/** Renders one report; drift reports use it with their own report and verdict types. */
export type Renderer<R = RunResult, V = Verdict> = (result: R, verdict: V) => ReportText;

export class ReporterOptionError extends Error {
  override name = 'ReporterOptionError';
}

export function parseReporterOption(text: string, known: readonly string[]): ReporterRequest {
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  const path = colon === -1 ? undefined : text.slice(colon + 1);
  if (!known.includes(name))
    throw new ReporterOptionError(
      `unknown reporter "${name}" in --reporter ${text}; expected one of: ${known.join(', ')}`,
    );
  if (path === '')
    throw new ReporterOptionError(`--reporter ${text}: the path after ":" is empty; leave out ":" to write to stdout`);
  return path === undefined ? { name } : { name, path };
}

/** At most one report may go to stdout, and no two to the same file. */
export function validateReporterRequests(requests: readonly ReporterRequest[]): void {
  const toStdout = requests.filter((r) => r.path === undefined);
  if (toStdout.length > 1)
    throw new ReporterOptionError(
      `only one reporter can write to stdout, got ${toStdout.map((r) => r.name).join(' and ')}; ` +
        'give the others a path (name:path)',
    );
  const seen = new Set<string>();
  for (const request of requests) {
    if (request.path === undefined) continue;
    const absolute = resolve(request.path);
    if (seen.has(absolute)) throw new ReporterOptionError(`two reporters write to ${request.path}`);
    seen.add(absolute);
  }
}

/**
 * Writes every requested report. The files are written in full to temporary files beside their
 * targets first and put in place only when every report has been rendered to its end, so a
 * report that fails to render, even half-way, leaves no file behind and replaces none; nor does a
 * path that cannot be written (an existing directory, a read-only file system: OutputFileError,
 * naming it), nor a signal (the temporary files go with the process, see atomic-write.ts). The
 * report for stdout is written while the files wait, piece by piece as it is rendered (so a
 * failure in its own rendering leaves what was written before it on stdout).
 */
export async function writeReports<R = RunResult, V = Verdict>(
  requests: readonly ReporterRequest[],
  renderers: Readonly<Record<string, Renderer<R, V>>>,
  result: R,
  verdict: V,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const prepared: PreparedFile[] = [];
  try {
    for (const request of requests) {
      if (request.path === undefined) continue;
      const pieces = piecesOf(renderers[request.name]!(result, verdict));
      prepared.push(
        await prepareFileAtomically(request.path, (write) => writeChunksOverlapped(chunkPieces(pieces), write)),
      );
    }
    const toStdout = requests.find((request) => request.path === undefined);
    if (toStdout) await writeToStream(stdout, piecesOf(renderers[toStdout.name]!(result, verdict)));
    for (const file of prepared) await file.commit();
  } catch (error) {
    await Promise.all(prepared.map((file) => file.discard()));
    throw error;
  }
}

function piecesOf(text: ReportText): Iterable<string> {
  return typeof text === 'string' ? [text] : text;
}

/**
 * A report goes to stdout in chunks of about WRITE_CHUNK_CHARS (see chunkPieces): written whole,
 * a fleet's JSON would be copied into one more buffer as large as itself (measured in bench/:
 * 70 MB less at 1000 hosts). A stream that asks to wait (a slow pipe) is waited for.
 */
export async function writeToStream(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  for (const chunk of chunkPieces(pieces)) {
    if (!stream.write(chunk)) await drained(stream);
  }
}

function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error('the output closed before the whole report was written'));
    stream.once('drain', onDrain);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}
