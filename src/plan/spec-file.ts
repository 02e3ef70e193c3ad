import { z } from 'zod';
import { ValueMatcherSchema } from '../matchers/value.js';
import type { ResourceRegistry } from '../resources/index.js';
import type { AnyMatcher, AnyResource } from '../resources/resource.js';
import { InputDeclarationsSchema } from './inputs.js';
import {
  ControlIdSchema,
  EventuallyShapeSchema,
  ImpactInputSchema,
  OnlyIfSchema,
  ReferenceSchema,
  TagsSchema,
} from './schema.js';

/** Keys of a YAML check that are not matchers. */
export const CHECK_META_KEYS = ['options', 'skip', 'eventually', 'not'] as const;

const CheckItemSchema = z.record(z.string(), z.unknown());

export const ControlFileSchema = z
  .object({
    id: ControlIdSchema,
    title: z.string().optional(),
    description: z.string().optional(),
    rationale: z.string().optional(),
    remediation: z.string().optional(),
    impact: ImpactInputSchema.optional(),
    tags: TagsSchema.optional(),
    refs: z.array(z.string()).optional(),
    references: z.array(ReferenceSchema).optional(),
    onlyIf: OnlyIfSchema.optional(),
    skip: z.string().optional(),
    checks: z.array(CheckItemSchema).min(1, 'a control needs at least one check'),
  })
  .strict();

/** The structure of a YAML/JSON spec file; each check item is then read against its resource. */
export const SpecFileSchema = z
  .object({
    spec: z.string().min(1),
    version: z.union([z.string(), z.number()]).transform(String).optional(),
    title: z.string().optional(),
    inputs: InputDeclarationsSchema.optional(),
    controls: z.array(ControlFileSchema).optional(),
    checks: z.array(CheckItemSchema).optional(),
  })
  .strict()
  .refine(
    (file) => (file.controls?.length ?? 0) + (file.checks?.length ?? 0) > 0,
    'a spec needs at least one control or check',
  );
export type SpecFile = z.infer<typeof SpecFileSchema>;

/** The schema of one matcher's value in YAML: `true`/`false`/args for predicates, a value matcher for attributes. */
export function matcherValueSchema(matcher: AnyMatcher): z.ZodType<unknown> {
  if (matcher.kind === 'predicate') return z.union([z.boolean(), matcher.args]);
  return matcher.expected ?? ValueMatcherSchema;
}

function checkSchemaFor(resource: AnyResource): z.ZodType<unknown> {
  const matchers = Object.fromEntries(
    Object.entries(resource.matchers as Record<string, AnyMatcher>).map(([name, m]) => [
      name,
      matcherValueSchema(m).optional(),
    ]),
  );
  return z
    .object({
      [resource.type]: resource.subject.describe(resource.summary),
      options: resource.options.optional(),
      skip: z.string().optional(),
      eventually: EventuallyShapeSchema.optional().describe(
        'Re-probe while failing: 60s, or { timeout: 60s, interval: 2s }.',
      ),
      not: z.object(matchers).strict().optional(),
      ...matchers,
    })
    .strict();
}

/**
 * The full spec-file schema for editors (`driftspec schema spec`): the same structure as
 * SpecFileSchema with each check item spelled out per resource.
 */
export function specFileJsonSchema(registry: ResourceRegistry): unknown {
  const checkSchemas = [...registry.values()].map(checkSchemaFor);
  const check =
    checkSchemas.length === 1 ? checkSchemas[0]! : z.union(checkSchemas as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  const schema = z
    .object({
      spec: z.string().min(1).describe('The spec name, shown in reports.'),
      version: z.union([z.string(), z.number()]).optional(),
      title: z.string().optional(),
      inputs: InputDeclarationsSchema.optional().describe(
        'Typed inputs: name → { type, items, default, sensitive, description }; checks use them as $' + '{input.name}.',
      ),
      controls: z
        .array(
          z
            .object({
              id: ControlIdSchema,
              title: z.string().optional(),
              description: z.string().optional(),
              rationale: z.string().optional(),
              remediation: z.string().optional(),
              impact: ImpactInputSchema.optional(),
              tags: TagsSchema.optional(),
              refs: z.array(z.string()).optional(),
              references: z.array(ReferenceSchema).optional(),
              onlyIf: OnlyIfSchema.optional(),
              skip: z.string().optional(),
              checks: z.array(check).min(1),
            })
            .strict(),
        )
        .optional(),
      checks: z.array(check).optional(),
    })
    .strict();
  return {
    ...(z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>),
    $id: 'urn:driftspec:schema:spec:1',
    title: 'driftspec spec file',
  };
}
