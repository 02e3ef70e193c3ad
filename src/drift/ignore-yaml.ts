import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { SpecError } from '../plan/build.js';
import { parseLocatedYaml, type Path, type SourceMap } from '../plan/located-yaml.js';

/**
 * Reading the drift input files (ignore and accepted-drift files): every mistake is a SpecError
 * (exit 78) that names file:line:column, like specs, inventories and policies.
 */

export function readInputFile(path: string, cwd: string, what: string): string {
  try {
    return readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SpecError(`${what} not found`, path);
    if (code === 'EISDIR') throw new SpecError(`is a directory, not ${what}`, path);
    throw new SpecError(`cannot read the ${what}: ${code ?? (error as Error).message}`, path);
  }
}

export interface LocatedValue<T> {
  value: T;
  where: SourceMap;
}

/**
 * Parses YAML and validates it with the schema; `expectedKeys` names the keys allowed at a path,
 * so that an unknown key is reported with the keys that would have been right.
 */
export function parseLocated<S extends z.ZodType>(
  text: string,
  source: string,
  schema: S,
  expectedKeys: (path: Path) => readonly string[],
  shape: string,
): LocatedValue<z.output<S>> {
  const { document, where } = parseLocatedYaml(text, source);
  const value: unknown = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SpecError(shape, where.at([]));
  const result = schema.safeParse(value);
  if (result.success) return { value: result.data, where };
  const { issue, path } = innermostIssue(result.error.issues[0]!, []);
  if (issue.code === 'unrecognized_keys') {
    throw new SpecError(`${field(path)}unknown key "${issue.keys.join('", "')}"; expected one of: ${expectedKeys(path).join(', ')}`, where.at([...path, issue.keys[0]!]));
  }
  if (issue.code === 'invalid_value') throw new SpecError(`${field(path)}expected one of: ${issue.values.map(String).join(', ')}`, where.at(path));
  throw new SpecError(`${field(path)}${issue.message}`, where.at(path));
}

/**
 * zod reports a value that fits neither form of a union ("a kind or a list of kinds") as just
 * "Invalid input"; the branch that came closest says what is wrong ("expected one of: …").
 */
export function innermostIssue(issue: z.core.$ZodIssue, prefix: Path): { issue: z.core.$ZodIssue; path: Array<string | number> } {
  const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
  if (issue.code !== 'invalid_union') return { issue, path };
  const wrongShape = (branch: readonly z.core.$ZodIssue[]) => branch.every((i) => i.code === 'invalid_type' && i.path.length === 0);
  const closest = issue.errors.find((branch) => branch.length > 0 && !wrongShape(branch)) ?? issue.errors[0];
  const first = closest?.[0];
  return first ? innermostIssue(first, path) : { issue, path };
}

function field(path: Path): string {
  return path.length > 0 ? `${path.join('.')}: ` : '';
}

/** A mistake found after schema validation (a bad glob, an attribute the kind does not have). */
export function locatedError(message: string, where: SourceMap, path: Path): SpecError {
  return new SpecError(`${field(path)}${message}`, where.at(path));
}
