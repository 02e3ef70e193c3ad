import { plainData } from '../dsl/builder.js';
import { SpecError } from '../inputs/input-error.js';
import type { CheckRequest } from '../plan/build.js';
import type { AnyMatcher, AnyResource, Shortcut } from '../resources/resource.js';

/**
 * One word of an assertion chain on a driftspec subject: `.installed` (read as a property,
 * `args` undefined) or `.version('>= 1.22')` (called), and whether chai's `.not` was in force.
 */
export interface ChainCall {
  name: string;
  negated: boolean;
  args: readonly unknown[] | undefined;
}

/** chai's spelling of a word that a resource spells otherwise: `.to.exist` is the `exists` matcher. */
const ALIASES: Record<string, string> = { exist: 'exists' };

/** Words that refine the matcher before them instead of being a check of their own. */
const REFINEMENTS: Record<string, { follows: string; option: string }> = {
  on: { follows: 'listening', option: 'protocol' },
};

/**
 * The checks an assertion chain stands for, one per matcher word, in chain order. Two words
 * refine the word before them: `.installed.with.version('>= 1.22')` is one `installed` check with
 * a version constraint, `.listening.on('tcp')` one `listening` check on tcp.
 */
export function chainToChecks(
  resource: AnyResource,
  subject: unknown,
  options: Record<string, unknown> | undefined,
  calls: readonly ChainCall[],
): CheckRequest[] {
  const requests: CheckRequest[] = [];
  for (const call of calls) {
    const previous = requests.at(-1);
    const refined = previous ? refine(previous, call) : false;
    if (refined) continue;
    if (REFINEMENTS[call.name])
      throw new SpecError(`.${call.name}() refines .${REFINEMENTS[call.name]!.follows}: write it right after it`);
    const { matcher, args } = matcherCall(resource, call);
    requests.push({
      control: null,
      resource: resource.type,
      subject,
      ...(options === undefined ? {} : { options }),
      matcher,
      negated: call.negated,
      args,
    });
  }
  return requests;
}

function refine(previous: CheckRequest, call: ChainCall): boolean {
  const refinement = REFINEMENTS[call.name];
  const versionOfInstalled = call.name === 'version' && previous.matcher === 'installed';
  if (!versionOfInstalled && refinement?.follows !== previous.matcher) return false;
  if (call.negated !== previous.negated || call.args === undefined) return false;
  const option = versionOfInstalled ? 'version' : refinement!.option;
  const current = (previous.args ?? {}) as Record<string, unknown>;
  if (current[option] !== undefined) return false;
  previous.args = { ...current, [option]: plainData(call.args[0]) };
  return true;
}

function matcherCall(resource: AnyResource, spelled: ChainCall): { matcher: string; args: unknown } {
  const call = { ...spelled, name: ALIASES[spelled.name] ?? spelled.name };
  const matcher = Object.hasOwn(resource.matchers, call.name) ? resource.matchers[call.name] : undefined;
  if (matcher?.kind === 'predicate') return { matcher: call.name, args: plainData(call.args?.[0]) };
  if (matcher) {
    if (call.args === undefined || call.args.length === 0)
      throw new SpecError(`.${call.name} of a ${resource.type} needs the expected value: .${call.name}(…)`);
    return { matcher: call.name, args: plainData(call.args[0]) };
  }
  const shortcut = Object.hasOwn(resource.shortcuts, call.name)
    ? (resource.shortcuts[call.name] as Shortcut)
    : undefined;
  if (shortcut) {
    const made = shortcut(...(call.args ?? []));
    return { matcher: made.matcher, args: plainData(made.args) };
  }
  const known = [...Object.keys(resource.matchers), ...Object.keys(resource.shortcuts)];
  throw new SpecError(`a ${resource.type} has no matcher "${call.name}"; expected one of: ${known.join(', ')}`);
}

/** Every word the plugin adds to chai: the matchers and shortcuts of every resource, and the refinements. */
export function chainWords(resources: readonly AnyResource[]): { properties: Set<string>; methods: Set<string> } {
  const properties = new Set<string>();
  const methods = new Set<string>(Object.keys(REFINEMENTS));
  for (const resource of resources) {
    for (const [name, matcher] of Object.entries(resource.matchers) as [string, AnyMatcher][])
      (matcher.kind === 'predicate' ? properties : methods).add(name);
    for (const name of Object.keys(resource.shortcuts)) properties.add(name);
  }
  for (const [alias, name] of Object.entries(ALIASES)) if (properties.has(name)) properties.add(alias);
  for (const name of properties) methods.delete(name);
  return { properties, methods };
}
