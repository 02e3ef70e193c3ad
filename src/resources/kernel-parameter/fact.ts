import { z } from 'zod';

export const KernelParameterSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({
    exists: z.literal(true),
    value: z.string(),
    /** Set on an image that is not booted: the file and line that configure the value. */
    configuredBy: z.string().optional(),
  }),
]);
export type KernelParameter = z.infer<typeof KernelParameterSchema>;

/** Values are compared with blanks normalised: "4096\t131072\t6291456" reads "4096 131072 6291456". */
export function normaliseValue(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ');
}
