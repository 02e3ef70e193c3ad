import { loadRunRenderers } from '../../reporters/formats.js';
import { writeReports, type ReporterRequest } from '../../reporters/output.js';
import type { Verdict } from '../gate/verdict.js';
import type { RunResult } from '../results/schema.js';
import type { CliIo } from './io.js';

/** Writes every requested report of a run result with its verdict, as `run` and `merge` both do. */
export async function writeRunReports(
  reports: readonly ReporterRequest[],
  result: RunResult,
  verdict: Verdict,
  flags: { verbose: boolean; imageId?: string | undefined },
  io: CliIo,
): Promise<void> {
  const imageId = flags.imageId === undefined ? {} : { imageId: flags.imageId };
  const context = { stdout: io.stdout, env: io.env, verbose: flags.verbose, ...imageId };
  const renderers = await loadRunRenderers(
    reports.map((request) => request.name),
    context,
  );
  await writeReports(reports, renderers, { ...result, verdict }, verdict, io.stdout);
}
