import type { z } from 'zod';
import { mapMatcherScalars, ValueMatcherSchema, type ValueMatcher } from '../matchers/value.js';
import type { AnyMatcher, AnyResource } from '../resources/resource.js';
import { kindNames, type ResourceRegistry } from '../resources/registry.js';
import { SpecError } from '../inputs/input-error.js';
import { formatZodIssues } from '../inputs/zod-issues.js';
import { describeExpectation } from './describe.js';
import { EventuallyInputSchema, type Check, type Eventually, type Subject } from './schema.js';

export interface CheckRequest {
  control: string | null;
  resource: string;
  subject: unknown;
  options?: Record<string, unknown>;
  matcher: string;
  negated: boolean;
  args: unknown;
  skip?: string;
  /** As the spec wrote it (`60s` or `{ timeout, interval }`); normalised to milliseconds here. */
  eventually?: unknown;
}

/**
 * The one place a check is validated and normalised, for the DSL and YAML alike, so both
 * produce identical plans. `id` is assigned by the caller (control id and position).
 */
export function buildCheck(registry: ResourceRegistry, request: CheckRequest, id: string): Check {
  const resource = lookupResource(registry, request.resource);
  const subject = parseSubject(resource, request.subject);
  const options = parseOptions(resource, request.options);
  const matcher = lookupMatcher(resource, request.matcher);
  const args = normaliseArgs(resource, request.matcher, matcher, request.args);
  const should = request.negated ? 'should not' : 'should';
  const title = `${resource.title(subject, options)} ${should} ${describeExpectation(matcher, args)}`;
  const eventually =
    request.eventually === undefined
      ? undefined
      : (parseWith(EventuallyInputSchema, request.eventually, 'eventually') as Eventually);
  return {
    id,
    control: request.control,
    resource: resource.type,
    subject,
    ...(Object.keys(options).length > 0 ? { options } : {}),
    matcher: request.matcher,
    negated: request.negated,
    args,
    title,
    ...(request.skip === undefined ? {} : { skip: request.skip }),
    ...(eventually === undefined ? {} : { eventually }),
  };
}

export function parseSubject(resource: AnyResource, subject: unknown): Subject {
  return parseWith(resource.subject, subject, `${resource.type} name`) as Subject;
}

export function parseOptions(resource: AnyResource, options: unknown): Record<string, unknown> {
  return parseWith(resource.options, options ?? {}, `${resource.type} options`) as Record<string, unknown>;
}

export function lookupResource(registry: ResourceRegistry, type: string): AnyResource {
  const resource = registry.get(type);
  if (resource) return resource;
  const kinds = kindNames(registry);
  // A kind the registry knows but holds not: the planner did not load what its plan names.
  if (kinds.includes(type)) throw new Error(`resource "${type}" is used before it was loaded`);
  throw new SpecError(`unknown resource "${type}"; expected one of: ${kinds.join(', ')}`);
}

export function lookupMatcher(resource: AnyResource, name: string): AnyMatcher {
  const matcher = Object.hasOwn(resource.matchers, name) ? (resource.matchers[name] as AnyMatcher) : undefined;
  if (!matcher)
    throw new SpecError(
      `${resource.type} has no matcher "${name}"; expected one of: ${Object.keys(resource.matchers).join(', ')}`,
    );
  return matcher;
}

function normaliseArgs(resource: AnyResource, name: string, matcher: AnyMatcher, raw: unknown): unknown {
  if (matcher.kind === 'predicate') return parseWith(matcher.args, raw ?? {}, `${resource.type}.${name} options`);
  const schema = matcher.expected ?? ValueMatcherSchema;
  const parsed = parseWith(schema, raw, `${resource.type}.${name} expected value`) as ValueMatcher;
  return matcher.coerce ? mapMatcherScalars(parsed, matcher.coerce) : parsed;
}

function parseWith(schema: z.ZodType<unknown>, value: unknown, what: string): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new SpecError(`invalid ${what}: ${formatZodIssues(result.error)}`);
}
