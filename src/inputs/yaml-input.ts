import type { z } from 'zod';
import { SpecError } from './input-error.js';
import { lazyLocator, parseLocatedYaml, yamlValue, type Locator } from './located-yaml.js';
import { NOT_PLAIN, readPlainYamlMap } from './plain-yaml.js';
import { locatedIssueError, type IssueWording } from './zod-issues.js';

export interface LocatedValue<T> {
  value: T;
  /** Where each part of the value is written, for mistakes found after validation. */
  where: Locator;
}

export interface YamlInputOptions extends IssueWording {
  /** What the whole file must be, said when it is not a map: "a policy file must be a map with …". */
  shape: string;
}

/**
 * Parses a YAML (or JSON) input file that is a map and validates it; every mistake names
 * file:line:col. Text in the plain YAML of readPlainYamlMap is read by it, and its positions are
 * looked up only when one is asked for: a large inventory is read without building the `yaml`
 * package's document of it, tens of megabytes at ten thousand hosts.
 */
export function parseYamlInput<S extends z.ZodType>(
  text: string,
  source: string,
  schema: S,
  options: YamlInputOptions,
): LocatedValue<z.output<S>> {
  const plain = readPlainYamlMap(text);
  if (plain !== NOT_PLAIN) {
    const where = lazyLocator(text, source);
    return { value: validateLocated(plain, where, schema, options), where };
  }
  const { document, where } = parseLocatedYaml(text, source);
  return { value: validateLocated(yamlValue(document, source), where, schema, options), where };
}

/** Validates the value of a located document: the whole file must be a map, then match the schema. */
export function validateLocated<S extends z.ZodType>(
  value: unknown,
  where: Locator,
  schema: S,
  options: YamlInputOptions,
): z.output<S> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SpecError(options.shape, where.at([]));
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw locatedIssueError(result.error, where, options);
}
