import { z } from 'zod';
import type { Locator, Path } from '../inputs/located-yaml.js';
import { readInputFile } from '../inputs/read.js';
import { parseYamlInput } from '../inputs/yaml-input.js';
import { locatedError } from '../inputs/zod-issues.js';
import { ALL_ATTRIBUTES, KIND_DEFINITIONS } from './diff-kinds.js';
import { checkPathGlob, compileKeyGlobs, GlobError, type KeyMatcher } from './key-glob.js';
import { normalisePathGlob } from './path-glob.js';
import { SnapshotKindSchema, type SnapshotKind } from './snapshot-schema.js';

/**
 * The ignore file: differences that are noise, dropped from drift reports (and counted as ignored).
 *
 *   ignore:
 *     - kind: mounts                              # a whole kind
 *     - paths: ['/var/cache/**']                   # files below /var/cache
 *     - paths: ['/var/log/**']                     # these attributes of files below /var/log
 *       attributes: [size, sha256]
 *     - paths: ['/var/lib/dpkg/status']            # may grow (size up, content changes); shrinking is drift
 *       growing: true
 *     - kind: kernelParameters
 *       keys: ['fs.dentry-state', 'kernel.random.*']
 *     - attributes: [gecos]                        # an attribute of every kind that has it
 *
 * docs/drift.md documents every field.
 */

const OneOrManySchema = z
  .union([z.string(), z.array(z.string()).min(1)])
  .transform((value) => (typeof value === 'string' ? [value] : value));

export const IgnoreRuleSchema = z
  .object({
    kind: z
      .union([SnapshotKindSchema, z.array(SnapshotKindSchema).min(1)])
      .transform((value) => (typeof value === 'string' ? [value] : value))
      .optional()
      .describe(
        'The kind (or kinds) the rule is about: packages, services, listeners, users, groups, kernelParameters, ' +
          'mounts, files. Without it: every kind (or files, with `paths`).',
      ),
    paths: OneOrManySchema.optional().describe('File path globs ("/var/log/**"); implies kind files.'),
    keys: OneOrManySchema.optional().describe(
      'Globs on the item key: "openssh-server:amd64", "ssh", "tcp4 0.0.0.0:22", "net.ipv4.*", "/etc/motd".',
    ),
    attributes: OneOrManySchema.optional().describe(
      'Only these attributes are not compared; without it, matching items are ignored whole.',
    ),
    growing: z
      .boolean()
      .optional()
      .describe('Files only: a file whose size grew (content changed with it) is not drift; a file that shrank is.'),
    reason: z.string().optional().describe('Why, for the people reading the file.'),
  })
  .strict();

export const IgnoreFileSchema = z
  .object({
    ignore: z
      .array(IgnoreRuleSchema)
      .describe('Rules; a difference matched by any rule is dropped from the report and counted as ignored.'),
  })
  .strict();

/** A rule ready to match. */
export interface IgnoreRule {
  /** Undefined: every kind. */
  kinds?: ReadonlySet<SnapshotKind>;
  /** Undefined: every item of the kinds. */
  matches?: KeyMatcher;
  /** Undefined: the whole item (unless `growing`). */
  attributes?: ReadonlySet<string>;
  growing: boolean;
  /** ignore.yaml:4:5 */
  source: string;
}

export interface IgnoreRules {
  rules: readonly IgnoreRule[];
}

export const NO_IGNORES: IgnoreRules = { rules: [] };

export function loadIgnoreFile(path: string, cwd: string): IgnoreRules {
  return parseIgnoreFile(readInputFile(path, 'ignore', cwd), path);
}

export function parseIgnoreFile(text: string, source: string): IgnoreRules {
  const { value, where } = parseYamlInput(text, source, IgnoreFileSchema, {
    shape: 'an ignore file must be a map with `ignore:` (a list of rules)',
    expectedKeys,
  });
  return { rules: value.ignore.map((rule, index) => compileRule(rule, ['ignore', index], where)) };
}

function expectedKeys(path: Path): readonly string[] {
  return path.length === 0 ? Object.keys(IgnoreFileSchema.shape) : Object.keys(IgnoreRuleSchema.shape);
}

function compileRule(rule: z.output<typeof IgnoreRuleSchema>, at: Path, where: Locator): IgnoreRule {
  if (rule.kind === undefined && rule.paths === undefined && rule.keys === undefined && rule.attributes === undefined)
    throw locatedError(
      'a rule needs at least one of kind, paths, keys or attributes (an empty rule would ignore everything)',
      where,
      at,
    );
  if (rule.paths && rule.kind?.some((k) => k !== 'files'))
    throw locatedError('`paths` are file paths: use them with kind files, or use `keys` for other kinds', where, [
      ...at,
      'paths',
    ]);
  const kinds = rule.kind ?? (rule.paths !== undefined ? ['files' as const] : undefined);
  if (rule.growing && !(kinds?.length === 1 && kinds[0] === 'files'))
    throw locatedError('`growing` is about files: add `paths` or kind files', where, [...at, 'growing']);
  if (rule.growing && rule.attributes !== undefined)
    throw locatedError(
      '`growing` already names the attributes it tolerates (size, sha256); leave out `attributes`',
      where,
      [...at, 'attributes'],
    );
  rule.attributes?.forEach((attribute, i) => {
    checkAttribute(attribute, kinds, where, [...at, 'attributes', i]);
  });
  const paths = (rule.paths ?? []).map((glob, i) => checkedPathGlob(glob, where, [...at, 'paths', i]));
  const globs = [...paths, ...(rule.keys ?? [])];
  const matches = globs.length > 0 ? compileLocated(globs, where, [...at, rule.paths ? 'paths' : 'keys']) : undefined;
  return {
    ...(kinds ? { kinds: new Set(kinds) } : {}),
    ...(matches ? { matches } : {}),
    ...(rule.attributes ? { attributes: new Set(rule.attributes) } : {}),
    growing: rule.growing ?? false,
    source: where.at(at),
  };
}

export function compileLocated(globs: readonly string[], where: Locator, path: Path): KeyMatcher {
  try {
    return compileKeyGlobs(globs);
  } catch (error) {
    if (error instanceof GlobError) throw locatedError(error.message, where, path);
    throw error;
  }
}

function checkedPathGlob(glob: string, where: Locator, path: Path): string {
  try {
    checkPathGlob(glob);
  } catch (error) {
    if (error instanceof GlobError) throw locatedError(error.message, where, path);
    throw error;
  }
  return normalisePathGlob(glob);
}

/** An attribute must exist on every kind the rule names (on some kind, for a rule without kind). */
export function checkAttribute(
  attribute: string,
  kinds: readonly SnapshotKind[] | undefined,
  where: Locator,
  path: Path,
): void {
  if (kinds === undefined) {
    if (!ALL_ATTRIBUTES.includes(attribute))
      throw locatedError(
        `no kind has an attribute "${attribute}"; attributes: ${ALL_ATTRIBUTES.join(', ')}`,
        where,
        path,
      );
    return;
  }
  for (const kind of kinds) {
    const known = KIND_DEFINITIONS[kind].attributes;
    if (!known.includes(attribute))
      throw locatedError(`${kind} have no attribute "${attribute}"; expected one of: ${known.join(', ')}`, where, path);
  }
}

// ---------------------------------------------------------------------------------------------
// Matching

function applies(rule: IgnoreRule, kind: SnapshotKind, key: string): boolean {
  if (rule.kinds && !rule.kinds.has(kind)) return false;
  return !rule.matches || rule.matches(kind, key);
}

/** The whole item is noise (added or removed items, and changed ones). */
export function ignoresItem(rules: IgnoreRules, kind: SnapshotKind, key: string): boolean {
  return rules.rules.some((rule) => !rule.attributes && !rule.growing && applies(rule, kind, key));
}

export function ignoresAttribute(rules: IgnoreRules, kind: SnapshotKind, key: string, attribute: string): boolean {
  return rules.rules.some((rule) => rule.attributes?.has(attribute) === true && applies(rule, kind, key));
}

/** A growing-file rule covers this file. */
export function toleratesGrowth(rules: IgnoreRules, key: string): boolean {
  return rules.rules.some((rule) => rule.growing && applies(rule, 'files', key));
}
