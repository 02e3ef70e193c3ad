import { z } from 'zod';

/**
 * The reporter's options, as mocha passes `--reporter-option key=value` (or `reporterOptions` in
 * .mocharc): a path per report format, the gate policy file, and what is shown on the terminal.
 */
export const MochaReporterOptionsSchema = z
  .object({
    junit: z.string().min(1, { error: 'a file path' }).optional(),
    json: z.string().min(1, { error: 'a file path' }).optional(),
    html: z.string().min(1, { error: 'a file path' }).optional(),
    markdown: z.string().min(1, { error: 'a file path' }).optional(),
    /** A gate policy file (docs/reports.md), as `driftspec run --policy`. */
    policy: z.string().min(1, { error: 'a file path' }).optional(),
    /**
     * What the terminal shows: `cli` (default) driftspec's own report at the end, `none` nothing,
     * or the name of a mocha reporter (`spec`, `dot`, …) that runs beside this one.
     */
    console: z.string().min(1, { error: 'cli, none or a mocha reporter name' }).default('cli'),
    /** With `console=cli`: list every check, not only failures and errors (`--verbose`). */
    verbose: z.enum(['true', 'false'], { error: 'true or false' }).optional(),
    /** The image under test, recorded in the JUnit report (`--image-id`). */
    imageId: z.string().min(1, { error: 'an image id' }).optional(),
  })
  .strict();

export type MochaReporterOptions = z.output<typeof MochaReporterOptionsSchema>;

export const REPORT_FILE_FORMATS = ['junit', 'json', 'html', 'markdown'] as const;

/** The options, or an error naming the first option that is wrong. */
export function parseReporterOptions(value: unknown): MochaReporterOptions {
  const parsed = MochaReporterOptionsSchema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const option = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.join('.');
  const why =
    issue.code === 'unrecognized_keys'
      ? `no such option; expected one of: ${Object.keys(MochaReporterOptionsSchema.shape).join(', ')}`
      : issue.message;
  throw new Error(`driftspec mocha reporter: --reporter-option ${option}: ${why}`);
}
