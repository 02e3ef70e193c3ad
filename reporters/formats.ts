import type { DriftReport, DriftVerdict } from '../src/drift/diff-schema.js';
import { shouldUseColor } from '../src/text/paint.js';
import type { Renderer } from './output.js';

/**
 * Every report format, by name: how its run report is rendered and, where it has one, its drift
 * report. Commands, `--reporter` parsing and `--help` all read this one list. A format's code is
 * loaded only when a report in it is written, so a run pays only for the formats it asks for.
 */

/** What a renderer may take from the command line and the terminal. */
export interface RenderContext {
  /** Where the report to stdout goes, and the environment: they decide colour (shouldUseColor). */
  stdout: { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** `--verbose`: list every check, not only failures and errors. */
  verbose?: boolean;
  /** `--image-id`, recorded in the JUnit report. */
  imageId?: string;
}

export type DriftRenderer = Renderer<DriftReport, DriftVerdict>;

export interface ReportFormat {
  run: (context: RenderContext) => Promise<Renderer>;
  drift?: (context: RenderContext) => Promise<DriftRenderer>;
}

export const REPORT_FORMATS = {
  cli: {
    async run(context) {
      const { cliReportPieces } = await import('./cli.js');
      const options = { color: shouldUseColor(context.stdout, context.env), verbose: context.verbose ?? false };
      return (result, verdict) => cliReportPieces(result, verdict, options);
    },
    async drift(context) {
      const { renderDriftCli } = await import('./drift-cli.js');
      const options = { color: shouldUseColor(context.stdout, context.env) };
      return (report, verdict) => renderDriftCli(report, verdict, options);
    },
  },
  json: {
    run: async () => (await import('./json.js')).jsonReportPieces,
    drift: async () => (await import('./drift-json.js')).renderDriftJson,
  },
  junit: {
    async run(context) {
      const { junitReportPieces } = await import('./junit.js');
      const options = context.imageId === undefined ? {} : { imageId: context.imageId };
      // In pieces, testcase by testcase: joined, ten thousand hosts' report is some 600 MiB.
      return (result, verdict) => junitReportPieces(result, verdict, options);
    },
    drift: async () => (await import('./drift-junit.js')).renderDriftJunit,
  },
  html: {
    run: async () => (await import('./html/run.js')).htmlReportPieces,
    drift: async () => (await import('./html/drift.js')).renderDriftHtml,
  },
  markdown: {
    async run() {
      const { markdownReportPieces } = await import('./markdown.js');
      // In pieces, host by host: joined, fifty thousand hosts' summary is some 23 MiB.
      return (result, verdict) => markdownReportPieces(result, verdict);
    },
    async drift() {
      const { renderDriftMarkdown } = await import('./drift-markdown.js');
      return (report, verdict) => renderDriftMarkdown(report, verdict);
    },
  },
} as const satisfies Record<string, ReportFormat>;

export type ReportFormatName = keyof typeof REPORT_FORMATS;

/** Every format, in the order the help lists them. */
export const REPORT_FORMAT_NAMES = Object.keys(REPORT_FORMATS) as ReportFormatName[];

/** The formats that render a drift report. */
export const DRIFT_FORMAT_NAMES = REPORT_FORMAT_NAMES.filter((name) => {
  const format: ReportFormat = REPORT_FORMATS[name];
  return format.drift !== undefined;
});

/** The run renderers of the named formats, each loaded once. */
export async function loadRunRenderers(
  names: Iterable<string>,
  context: RenderContext,
): Promise<Record<string, Renderer>> {
  return loadEach(names, (format) => format.run(context));
}

/** The drift renderers of the named formats; a format without one is a programming error (parsing refuses it first). */
export async function loadDriftRenderers(
  names: Iterable<string>,
  context: RenderContext,
): Promise<Record<string, DriftRenderer>> {
  return loadEach(names, (format, name) => {
    if (!format.drift) throw new Error(`the ${name} format has no drift report`);
    return format.drift(context);
  });
}

async function loadEach<T>(
  names: Iterable<string>,
  load: (format: ReportFormat, name: string) => Promise<T>,
): Promise<Record<string, T>> {
  const loaded: Record<string, T> = {};
  for (const name of new Set(names)) {
    if (!Object.hasOwn(REPORT_FORMATS, name)) throw new Error(`unknown report format "${name}"`);
    loaded[name] = await load(REPORT_FORMATS[name as ReportFormatName], name);
  }
  return loaded;
}
