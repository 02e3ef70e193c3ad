import type { Document } from 'yaml';
import { kindNames, type ResourceRegistry } from '../resources/registry.js';
import type { AnyMatcher, AnyResource } from '../resources/resource.js';
import type { PlanAssembler } from './assemble.js';
import { isSpecError, SpecError } from '../inputs/input-error.js';
import {
  lazyLocator,
  leadingZeroNumbersAsText,
  parseLocatedYaml,
  parseLocatedYamlYielding,
  yamlValue,
  type Locator,
  type Path,
  type SourceMap,
} from '../inputs/located-yaml.js';
import { NOT_PLAIN, readPlainYamlMap } from '../inputs/plain-yaml.js';
import { validateLocated } from '../inputs/yaml-input.js';
import { formatZodIssues } from '../inputs/zod-issues.js';
import { parseOptions, parseSubject, type CheckRequest } from './build.js';
import { substituteInputs } from './inputs.js';
import { EventuallyInputSchema } from './schema.js';
import { CHECK_META_KEYS, SpecFileSchema, type SpecFile } from './spec-file.js';
import { cachedSpecFile, storeSpecFile, type YamlSpecCache } from './yaml-cache.js';

/**
 * Reads a YAML (or JSON) spec into the assembler. Every mistake is a SpecError naming the
 * file, line and column, what was found and what was expected.
 */
export function loadYamlSpec(text: string, source: string, assembler: PlanAssembler, registry: ResourceRegistry): void {
  addYamlSpec(readYamlSpec(text, source), assembler, registry);
}

/** A spec file read and validated, its checks not yet built. */
export interface YamlSpec {
  source: string;
  file: SpecFile;
  where: Locator;
}

export function readYamlSpec(text: string, source: string): YamlSpec {
  return plainSpec(text, source) ?? validSpec(parseLocatedYaml(text, source, { keepSourceTokens: true }), source);
}

/**
 * The same, letting the event loop run while the text is parsed (see parseLocatedYamlYielding).
 * With a cache, a text this build read before is not parsed again: its positions are found only
 * should a later mistake need one.
 */
export async function readYamlSpecYielding(text: string, source: string, cache?: YamlSpecCache): Promise<YamlSpec> {
  const cached = cache && cachedSpecFile(cache, text);
  if (cached) return { source, file: cached, where: lazyLocator(text, source) };
  const spec =
    plainSpec(text, source) ??
    validSpec(await parseLocatedYamlYielding(text, source, { keepSourceTokens: true }), source);
  if (cache) storeSpecFile(cache, text, spec.file);
  return spec;
}

function validSpec({ document, where }: { document: Document; where: SourceMap }, source: string): YamlSpec {
  leadingZeroNumbersAsText(document);
  return { source, file: validateLocated(yamlValue(document, source), where, SpecFileSchema, SPEC_SHAPE), where };
}

/**
 * A spec written in the YAML that readPlainYamlMap reads, read without the `yaml` package: its
 * positions are found only should a mistake need one. Undefined for any other text.
 */
function plainSpec(text: string, source: string): YamlSpec | undefined {
  const value = readPlainYamlMap(text, { leadingZeroNumbersAsText: true });
  if (value === NOT_PLAIN) return undefined;
  const where = lazyLocator(text, source);
  return { source, file: validateLocated(value, where, SpecFileSchema, SPEC_SHAPE), where };
}

const SPEC_SHAPE = { shape: 'a spec file must be a map with at least `spec:` and `controls:` or `checks:`' };

/** Every key of the spec's maps: the resource kinds its checks and conditions name are among them. */
export function keysWithin(spec: YamlSpec): Set<string> {
  const keys = new Set<string>();
  const visitValue = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visitValue);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        keys.add(key);
        visitValue(inner);
      }
    }
  };
  visitValue(spec.file);
  return keys;
}

/** Builds the checks of a spec read by readYamlSpec into the assembler. */
export function addYamlSpec(spec: YamlSpec, assembler: PlanAssembler, registry: ResourceRegistry): void {
  for (const _ of addYamlSpecInSteps(spec, assembler, registry));
}

/** How many checks addYamlSpecInSteps builds between its steps. */
const CHECKS_PER_STEP = 20;

/**
 * The same, in steps of CHECKS_PER_STEP checks: a caller that lets the event loop run between
 * them keeps the SSH handshakes of a run moving while a large spec is planned.
 */
export function* addYamlSpecInSteps(
  { source, file, where }: YamlSpec,
  assembler: PlanAssembler,
  registry: ResourceRegistry,
): Generator<void> {
  assembler.beginSpec({
    name: file.spec,
    source,
    ...(file.version === undefined ? {} : { version: file.version }),
    ...(file.title === undefined ? {} : { title: file.title }),
  });
  const declared = file.inputs ?? {};
  const values = assembler.resolveSpecInputs(declared, (name) => where.at(['inputs', name, 'default']));
  const inputs = { declared: new Set(Object.keys(declared)), values };
  const resolve = (item: Record<string, unknown>, path: Path) =>
    substituteInputs(item, inputs, (inner) => where.at([...path, ...inner])) as Record<string, unknown>;
  let built = 0;
  for (const [c, control] of (file.controls ?? []).entries()) {
    const { checks, ...meta } = control;
    withLocation(where, ['controls', c, 'id'], () => assembler.addControl(meta));
    for (const [i, item] of checks.entries()) {
      const path = ['controls', c, 'checks', i];
      addCheckItem(resolve(item, path), control.id, path, where, assembler, registry);
      if (++built % CHECKS_PER_STEP === 0) yield;
    }
  }
  for (const [i, item] of (file.checks ?? []).entries()) {
    addCheckItem(resolve(item, ['checks', i]), null, ['checks', i], where, assembler, registry);
    if (++built % CHECKS_PER_STEP === 0) yield;
  }
}

function addCheckItem(
  item: Record<string, unknown>,
  control: string | null,
  path: Path,
  where: Locator,
  assembler: PlanAssembler,
  registry: ResourceRegistry,
): void {
  const resource = findResource(item, path, where, registry);
  const subject = item[resource.type];
  const options = item.options as Record<string, unknown> | undefined;
  withLocation(where, [...path, resource.type], () => parseSubject(resource, subject));
  if (options !== undefined) withLocation(where, [...path, 'options'], () => parseOptions(resource, options));
  const skip = item.skip;
  if (skip !== undefined && typeof skip !== 'string')
    throw new SpecError('skip: expected the reason as text', where.at([...path, 'skip']));
  const eventually = item.eventually;
  if (eventually !== undefined) checkEventually(eventually, [...path, 'eventually'], where);
  let matched = 0;
  for (const [key, value] of Object.entries(item)) {
    if (key === resource.type || key === 'options' || key === 'skip' || key === 'eventually') continue;
    if (key === 'not') {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw new SpecError('not: expected a map of matchers to negate', where.at([...path, 'not']));
      for (const [name, negatedValue] of Object.entries(value)) {
        add([...path, 'not', name], name, negatedValue, true);
        matched++;
      }
      continue;
    }
    add([...path, key], key, value, false);
    matched++;
  }
  if (matched === 0)
    throw new SpecError(
      `${resource.type} check has no matcher; expected one of: ${matcherNames(resource)}`,
      where.at(path),
    );

  function add(at: Path, name: string, value: unknown, negated: boolean): void {
    const matcher = Object.hasOwn(resource.matchers, name) ? (resource.matchers[name] as AnyMatcher) : undefined;
    if (!matcher)
      throw new SpecError(
        `unknown key "${name}" for a ${resource.type} check; expected one of: ${matcherNames(resource)}, ` +
          `${CHECK_META_KEYS.join(', ')}`,
        where.at(at),
      );
    const request: CheckRequest = {
      control,
      resource: resource.type,
      subject,
      ...(options === undefined ? {} : { options }),
      ...predicateOrAttribute(matcher, value, negated),
      matcher: name,
      ...(skip === undefined ? {} : { skip: skip as string }),
      ...(eventually === undefined ? {} : { eventually }),
    };
    withLocation(where, at, () => assembler.addCheck(request));
  }
}

/** Checked here too, so that a mistake points at the `eventually:` key rather than at a matcher. */
function checkEventually(value: unknown, at: Path, where: Locator): void {
  const result = EventuallyInputSchema.safeParse(value);
  if (result.success) return;
  const detail = formatZodIssues(result.error);
  const hint = /Invalid input/.test(detail)
    ? ' (expected a duration such as 60s, or { timeout: 60s, interval: 2s })'
    : '';
  throw new SpecError(`eventually: ${detail}${hint}`, where.at(at));
}

/** `installed: true`, `installed: false` (negated) and `installed: { version: … }` for predicates. */
function predicateOrAttribute(
  matcher: AnyMatcher,
  value: unknown,
  negated: boolean,
): { negated: boolean; args: unknown } {
  if (matcher.kind === 'predicate' && typeof value === 'boolean')
    return { negated: value ? negated : !negated, args: {} };
  return { negated, args: value ?? (matcher.kind === 'predicate' ? {} : value) };
}

/** The first key names the resource; later keys are matchers, even where a name is both (`group`). */
function findResource(
  item: Record<string, unknown>,
  path: Path,
  where: Locator,
  registry: ResourceRegistry,
): AnyResource {
  const first = Object.keys(item)[0];
  const resource = first === undefined ? undefined : registry.get(first);
  if (resource) return resource;
  const named = Object.keys(item).find((key) => registry.has(key));
  const hint = named ? `; put "${named}:" first` : '';
  throw new SpecError(
    `a check must start with a resource key (one of: ${kindNames(registry).join(', ')})${hint}`,
    where.at(first === undefined ? path : [...path, first]),
  );
}

function matcherNames(resource: AnyResource): string {
  return Object.keys(resource.matchers).join(', ');
}

function withLocation<T>(where: Locator, path: Path, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (isSpecError(error) && !error.location) throw new SpecError(error.message, where.at(path));
    throw error;
  }
}
