import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SpecError } from '../inputs/input-error.js';
import { formatZodIssues } from '../inputs/zod-issues.js';

/** What a spec may declare an input as; `array` holds `items` (text unless said otherwise). */
export const INPUT_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'map'] as const;
const ITEM_TYPES = ['string', 'number', 'integer', 'boolean'] as const;

export const InputNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an input name is letters, digits and "_", not starting with a digit');

export const InputDeclarationSchema = z
  .object({
    type: z.enum(INPUT_TYPES),
    items: z.enum(ITEM_TYPES).optional(),
    default: z.unknown().optional(),
    /** Masked as *** in every report, message, evidence and error. */
    sensitive: z.boolean().optional(),
    description: z.string().optional(),
  })
  .strict();
export type InputDeclaration = z.infer<typeof InputDeclarationSchema>;

export const InputDeclarationsSchema = z.record(InputNameSchema, InputDeclarationSchema);
export type InputDeclarations = z.infer<typeof InputDeclarationsSchema>;

/** The TypeScript type of a declared input, for `spec({ inputs }, (inputs) => …)`. */
type ScalarOf<T> = T extends 'string' ? string : T extends 'boolean' ? boolean : number;
export type InputValue<D> = D extends { type: 'array'; items?: infer I }
  ? Array<ScalarOf<I extends string ? I : 'string'>>
  : D extends { type: 'map' }
    ? Record<string, unknown>
    : D extends { type: infer T }
      ? ScalarOf<T>
      : never;
export type InputValues<Decls> = { readonly [K in keyof Decls]: InputValue<Decls[K]> };

/** Shown instead of a sensitive value. */
export const MASK = '***';

/**
 * One source of input values. Layers are given lowest priority first: `--input-file`, the
 * inventory's vars of the host (its groups' and its own, merged by the inventory), `--input`.
 */
export interface InputLayer {
  /** Says where a value came from: `inputs.yaml:3:1`, `--input port=22`. */
  locate(name: string): string;
  values: ReadonlyMap<string, unknown>;
  /** Values written as text on the command line, read as YAML for every type but `string`. */
  fromText?: boolean;
}

/** One resolved input, as reports show it (a sensitive value already masked). */
export interface InputRecord {
  spec: string;
  name: string;
  value: unknown;
  /** `default`, or where the value came from. */
  source: string;
  sensitive?: true;
}

export interface ResolvedInputs {
  values: Record<string, unknown>;
  records: InputRecord[];
  /** The text forms of sensitive values, to be masked wherever they appear. */
  secrets: string[];
}

function scalarSchema(type: (typeof ITEM_TYPES)[number]): z.ZodType {
  if (type === 'string') return z.string();
  if (type === 'boolean') return z.boolean();
  return type === 'integer' ? z.number().int() : z.number();
}

/** The zod schema of a declared input's value. */
export function inputValueSchema(declaration: InputDeclaration): z.ZodType {
  if (declaration.type === 'array') return z.array(scalarSchema(declaration.items ?? 'string'));
  if (declaration.type === 'map') return z.record(z.string(), z.unknown());
  if (declaration.items !== undefined) throw new SpecError(`"items" is for inputs of type array only`);
  return scalarSchema(declaration.type);
}

/**
 * Every declared input's value: the highest layer that sets it, else its default. A value of the
 * wrong type is a SpecError naming its source; a sensitive value is never repeated in a message.
 */
export function resolveInputs(
  declarations: InputDeclarations,
  layers: readonly InputLayer[],
  spec: string,
  locateDefault: (name: string) => string = () => 'default',
): ResolvedInputs {
  const resolved: ResolvedInputs = { values: {}, records: [], secrets: [] };
  for (const [name, declaration] of Object.entries(declarations)) {
    const schema = inputValueSchema(declaration);
    const layer = [...layers].reverse().find((candidate) => candidate.values.has(name));
    const source = layer ? layer.locate(name) : 'default';
    const errorSource = layer ? source : `its default (${locateDefault(name)})`;
    if (!layer && !Object.hasOwn(declaration, 'default')) throw new MissingInputError(name, spec);
    const raw = layer ? layer.values.get(name) : declaration.default;
    const given = layer?.fromText && declaration.type !== 'string' ? readText(raw) : raw;
    const parsed = schema.safeParse(given);
    if (!parsed.success) {
      const shown = declaration.sensitive ? '' : ` (got ${JSON.stringify(given)})`;
      throw new SpecError(
        `input "${name}" of spec "${spec}" from ${errorSource}: expected ${describeType(declaration)}${shown}` +
          `${declaration.sensitive ? '' : `: ${formatZodIssues(parsed.error)}`}`,
      );
    }
    resolved.values[name] = parsed.data;
    if (declaration.sensitive) resolved.secrets.push(...secretTexts(parsed.data));
    resolved.records.push({
      spec,
      name,
      value: declaration.sensitive ? MASK : parsed.data,
      source,
      ...(declaration.sensitive ? { sensitive: true as const } : {}),
    });
  }
  return resolved;
}

/** An input with neither a value nor a default; the inventory's vars may still give it per host. */
export class MissingInputError extends SpecError {
  readonly missingInput = true;
  constructor(name: string, spec: string) {
    super(
      `input "${name}" of spec "${spec}" has no value and no default; set it with --input ${name}=…, ` +
        '--input-file or the inventory vars',
    );
  }
}

export function isMissingInputError(error: unknown): boolean {
  return error instanceof Error && (error as { missingInput?: unknown }).missingInput === true;
}

function readText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return parseYaml(value) as unknown;
  } catch {
    return value;
  }
}

function describeType(declaration: InputDeclaration): string {
  if (declaration.type === 'array') return `a list of ${declaration.items ?? 'string'} values`;
  if (declaration.type === 'map') return 'a map';
  return declaration.type === 'integer' ? 'a whole number' : `a ${declaration.type}`;
}

function secretTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secretTexts);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(secretTexts);
  const text = String(value);
  return text === '' ? [] : [text];
}

const REFERENCE = /\$(\$?)\{input\.([^}]*)\}/g;

/**
 * Replaces `${input.name}` in a YAML spec's check: a string that is one reference becomes the
 * input's typed value, a reference inside text its text; `$${…}` stays literal `${…}`. An input
 * the spec does not declare is a SpecError; `locate` names the line of the string.
 */
export function substituteInputs(
  value: unknown,
  inputs: { declared: ReadonlySet<string>; values: Record<string, unknown> },
  locate: (path: readonly (string | number)[]) => string,
  path: readonly (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return substituteText(value, inputs, () => locate(path));
  if (Array.isArray(value)) return value.map((item, i) => substituteInputs(item, inputs, locate, [...path, i]));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteInputs(item, inputs, locate, [...path, key])]),
    );
  return value;
}

function substituteText(
  text: string,
  inputs: { declared: ReadonlySet<string>; values: Record<string, unknown> },
  where: () => string,
): unknown {
  if (!text.includes('${')) return text;
  const lookup = (name: string): unknown => {
    if (!inputs.declared.has(name))
      throw new SpecError(
        `unknown input "${name}"; declared: ${[...inputs.declared].join(', ') || '(none: add an inputs: section)'}`,
        where(),
      );
    return inputs.values[name];
  };
  const whole = /^\$\{input\.([^}]*)\}$/.exec(text);
  if (whole) return lookup(whole[1]!);
  return text.replace(REFERENCE, (match, escaped: string, name: string) => {
    if (escaped) return match.slice(1);
    const found = lookup(name);
    if (found !== null && typeof found === 'object')
      throw new SpecError(`input "${name}" is a list or map and cannot be part of a text`, where());
    return String(found);
  });
}
