import { z } from 'zod';

export const GOLDEN_SCHEMA_VERSION = 1;

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 digest: 64 lowercase hex digits');

/** A file the promotion was decided with, by the path it was given as and the digest of its bytes. */
export const RecordedFileSchema = z
  .object({
    path: z.string().min(1).describe('The path as it was given to `driftspec promote`.'),
    sha256: Sha256Schema.describe("The sha256 of the file's bytes when it was promoted."),
  })
  .strict();
export type RecordedFile = z.infer<typeof RecordedFileSchema>;

const CountSchema = z.number().int().nonnegative();

/**
 * The golden record: which image is the golden one, and the evidence it was promoted on. Written
 * by `driftspec promote`, read by deployments (Terraform: `jsondecode(file("golden.json")).imageId`).
 */
export const GoldenRecordSchema = z
  .object({
    schemaVersion: z.literal(GOLDEN_SCHEMA_VERSION),
    imageId: z.string().min(1).describe('The promoted image (an AMI id, an image name, a digest …).'),
    promotedAt: z.iso.datetime({ offset: true }).describe('When it was promoted (ISO 8601 with offset).'),
    specs: z.array(RecordedFileSchema).min(1).describe('The spec files the image was checked with.'),
    policy: RecordedFileSchema.nullable().describe('The gate policy file; null: the default (strict) gate.'),
    run: z
      .object({
        targets: z.array(z.string()).min(1).describe('The targets the run checked.'),
        counts: z
          .object({
            passed: CountSchema,
            failed: CountSchema,
            error: CountSchema,
            skipped: CountSchema,
            'not-applicable': CountSchema,
          })
          .strict(),
        exitCode: z.number().int().describe("The gate's exit code for the run under the policy (0: passed)."),
      })
      .strict(),
    drift: z
      .object({
        exitCode: z.number().int().describe('The drift exit bitmask under the policy (0: passed).'),
        changed: CountSchema.describe('Items added, removed or changed against the baseline and not accepted.'),
      })
      .strict()
      .nullable()
      .describe('null: promoted without a drift report.'),
    baseline: RecordedFileSchema.nullable().describe('The baseline snapshot the drift was measured against.'),
    previous: z
      .object({ imageId: z.string().min(1), promotedAt: z.iso.datetime({ offset: true }) })
      .strict()
      .nullable()
      .describe('The golden image this one replaced; null for the first.'),
    tool: z.object({ name: z.literal('driftspec'), version: z.string() }).strict(),
  })
  .strict();
export type GoldenRecord = z.infer<typeof GoldenRecordSchema>;

/** The JSON Schema of golden records (`driftspec schema golden`). */
export function goldenJsonSchema(): unknown {
  return {
    ...(z.toJSONSchema(GoldenRecordSchema) as object),
    $id: `urn:driftspec:schema:golden:${GOLDEN_SCHEMA_VERSION}`,
    title: 'driftspec golden record',
  };
}
