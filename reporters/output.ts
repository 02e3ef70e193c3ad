import { resolve } from 'node:path';
import { writeFileAtomically } from '../src/io/atomic-write.js';
import type { RunResult } from '../src/results/schema.js';
import type { Verdict } from '../src/gate/verdict.js';

/** One `--reporter` value: `cli`, `json:out/run.json`. Without a path the report goes to stdout. */
export interface ReporterRequest {
  name: string;
  path?: string;
}

/** Renders one report; drift reports use it with their own report and verdict types. */
export type Renderer<R = RunResult, V = Verdict> = (result: R, verdict: V) => string;

export class ReporterOptionError extends Error {
  override name = 'ReporterOptionError';
}

export function parseReporterOption(text: string, known: readonly string[]): ReporterRequest {
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  const path = colon === -1 ? undefined : text.slice(colon + 1);
  if (!known.includes(name)) throw new ReporterOptionError(`unknown reporter "${name}" in --reporter ${text}; expected one of: ${known.join(', ')}`);
  if (path === '') throw new ReporterOptionError(`--reporter ${text}: the path after ":" is empty; leave out ":" to write to stdout`);
  return path === undefined ? { name } : { name, path };
}

/** At most one report may go to stdout, and no two to the same file. */
export function validateReporterRequests(requests: readonly ReporterRequest[]): void {
  const toStdout = requests.filter((r) => r.path === undefined);
  if (toStdout.length > 1)
    throw new ReporterOptionError(`only one reporter can write to stdout, got ${toStdout.map((r) => r.name).join(' and ')}; give the others a path (name:path)`);
  const seen = new Set<string>();
  for (const request of requests) {
    if (request.path === undefined) continue;
    const absolute = resolve(request.path);
    if (seen.has(absolute)) throw new ReporterOptionError(`two reporters write to ${request.path}`);
    seen.add(absolute);
  }
}

/**
 * Renders every requested report, then writes the files atomically: a reader never sees half a
 * report, and a report that fails to render leaves no file behind.
 */
export async function writeReports<R = RunResult, V = Verdict>(
  requests: readonly ReporterRequest[],
  renderers: Readonly<Record<string, Renderer<R, V>>>,
  result: R,
  verdict: V,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const rendered = requests.map((request) => ({ request, text: renderers[request.name]!(result, verdict) }));
  for (const { request, text } of rendered) {
    if (request.path === undefined) writeInSlices(stdout, text);
    else await writeFileAtomically(request.path, text);
  }
}

const STDOUT_SLICE_CHARS = 1 << 20;

/**
 * A large report (a fleet's JSON) goes to stdout in slices cut at line ends: written whole, it
 * would be copied into one more buffer as large as itself (measured in bench/: 70 MB less at 1000 hosts).
 */
function writeInSlices(stdout: NodeJS.WritableStream, text: string): void {
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + STDOUT_SLICE_CHARS);
    if (end < text.length) {
      const newline = text.lastIndexOf('\n', end - 1);
      // Never between the two halves of a surrogate pair.
      end = newline >= start ? newline + 1 : end - (isHighSurrogate(text.charCodeAt(end - 1)) ? 1 : 0);
    }
    stdout.write(text.slice(start, end));
    start = end;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
