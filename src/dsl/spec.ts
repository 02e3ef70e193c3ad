import type { ControlInput } from '../plan/assemble.js';
import { PlanAssembler } from '../plan/assemble.js';
import { isSpecError, SpecError } from '../inputs/input-error.js';
import { formatZodIssues } from '../inputs/zod-issues.js';
import {
  InputDeclarationsSchema,
  type InputDeclaration,
  type InputDeclarations,
  type InputLayer,
  type InputValues,
} from '../plan/inputs.js';
import {
  EventuallyInputSchema,
  type EventuallyInput,
  type ImpactInput,
  type Plan,
  type SpecInfo,
} from '../plan/schema.js';
import type { ResourceRegistry } from '../resources/index.js';
import type { AnyResource } from '../resources/resource.js';
import { createBuilder, type ResourceBuilder } from './builder.js';

const SPEC_MARK = Symbol.for('driftspec.spec');

/** What `spec()` returns and a spec module exports by default; nothing runs until it is planned. */
export interface SpecDefinition {
  readonly [SPEC_MARK]: true;
  readonly info: SpecInfo;
  /** Typed inputs; the body receives their values (per host, where inventory vars set them). */
  readonly inputs?: InputDeclarations;
  readonly body: (inputs: Record<string, unknown>) => void;
}

export interface ControlMeta {
  title?: string;
  description?: string;
  /** Why the control matters. */
  rationale?: string;
  /** How to fix a failure. */
  remediation?: string;
  /** 0.0–1.0, or none, low, medium, high, critical. */
  impact?: ImpactInput;
  /** `{ cis: '5.2.1', nist: ['AC-6'], level: 1 }`. */
  tags?: Record<string, string | number | boolean | string[]>;
  refs?: string[];
  references?: { url?: string; title?: string }[];
  /** Where the control applies: `{ os: ['debian', 'ubuntu'], osVersion: '>= 12', package: 'openssh-server' }`. */
  onlyIf?: {
    os?: string[];
    osVersion?: string;
    package?: string | string[];
    file?: string | string[];
    container?: boolean;
  };
  /** Keeps the control in reports as skipped, with this reason. */
  skip?: string;
}

/**
 * A spec. With `inputs` (name → `{ type, items?, default?, sensitive?, description? }`) the body
 * receives their values, typed: `spec({ name: 'web', inputs: { port: { type: 'number', default: 22 } } },
 * (inputs) => port(inputs.port).listening())`.
 */
export function spec<const D extends Record<string, InputDeclaration> = Record<never, InputDeclaration>>(
  info: string | { name: string; version?: string; title?: string; inputs?: D },
  body: (inputs: InputValues<D>) => void,
): SpecDefinition {
  if (typeof info === 'string') return { [SPEC_MARK]: true, info: { name: info }, body: body as () => void };
  const { inputs, ...specInfo } = info;
  const declarations = inputs === undefined ? undefined : InputDeclarationsSchema.safeParse(inputs);
  if (declarations && !declarations.success)
    throw new SpecError(`spec("${info.name}"): invalid inputs: ${formatZodIssues(declarations.error)}`);
  return {
    [SPEC_MARK]: true,
    info: specInfo,
    ...(declarations ? { inputs: declarations.data } : {}),
    body: body as (inputs: Record<string, unknown>) => void,
  };
}

export function isSpecDefinition(value: unknown): value is SpecDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SPEC_MARK] === true;
}

interface Collection {
  assembler: PlanAssembler;
  control: string | null;
  location: string;
}

/**
 * The collection a spec body is adding to. It exists only while `planSpecs` runs a body
 * synchronously (like mocha's `describe`), so the free functions `control()` and `file()`
 * need no argument; it is never shared between plans or hosts.
 */
const ACTIVE = Symbol.for('driftspec.activeCollection');
type ActiveSlot = { [ACTIVE]?: Collection | undefined };

/**
 * Kept on a registered symbol rather than a module variable so that a spec which reached a
 * second copy of this module (a test runner's own loader, a nested install) still adds to the
 * plan being built instead of failing.
 */
function activeCollection(): Collection | undefined {
  return (globalThis as ActiveSlot)[ACTIVE];
}

function setActiveCollection(collection: Collection | undefined): void {
  (globalThis as ActiveSlot)[ACTIVE] = collection;
}

function requireActive(what: string): Collection {
  const active = activeCollection();
  if (!active) throw new SpecError(`${what} was called outside a spec() body (or after it returned)`);
  return active;
}

export function control(id: string, metaOrBody: ControlMeta | (() => void), maybeBody?: () => void): void {
  const collection = requireActive(`control("${id}")`);
  if (collection.control !== null)
    throw new SpecError(`control("${id}") is inside control("${collection.control}"); controls do not nest`);
  const meta = typeof metaOrBody === 'function' ? {} : metaOrBody;
  const body = typeof metaOrBody === 'function' ? metaOrBody : maybeBody;
  if (!body) throw new SpecError(`control("${id}") needs a body function`);
  const input: ControlInput = { id, ...meta };
  collection.assembler.addControl(input);
  collection.control = id;
  try {
    body();
  } finally {
    collection.control = null;
  }
}

/** What a resource function returns: the matcher chain, which may start with `.eventually()`. */
export type ResourceChain<Res extends AnyResource> = ResourceBuilder<Res> & {
  /**
   * Re-probe the checks that follow in this chain while they fail, until they pass or the
   * timeout passes: `service('nginx').eventually({ timeout: '30s', interval: '2s' }).running()`,
   * or just `.eventually('30s')` (interval 1s).
   */
  eventually(options: EventuallyInput): ResourceBuilder<Res>;
};

/** The function a spec author calls, such as `file('/etc/shadow')`, for one resource. */
export function resourceFunction<Res extends AnyResource>(resource: Res) {
  return (subject: Parameters<Res['title']>[0], options?: Record<string, unknown>): ResourceChain<Res> => {
    const label = `${resource.dslName}(${JSON.stringify(subject)})`;
    const collection = requireActive(label);
    const controlId = collection.control;
    const chain = (eventually?: EventuallyInput) => {
      const builder = createBuilder(resource, (call) => {
        const current = requireActive(`${label}.${call.matcher}()`);
        current.assembler.addCheck({
          control: controlId,
          resource: resource.type,
          subject,
          ...(options === undefined ? {} : { options }),
          matcher: call.matcher,
          negated: call.negated,
          args: call.args,
          ...(eventually === undefined ? {} : { eventually }),
        });
      });
      Object.defineProperty(builder, 'eventually', {
        value: () => {
          throw new SpecError(
            `${label}: .eventually() must come before the matchers it applies to, as in ` +
              `${label}.eventually('30s').${firstMatcher(resource)}()`,
          );
        },
      });
      return builder;
    };
    const start = Object.create(chain()) as ResourceChain<Res>;
    Object.defineProperty(start, 'eventually', {
      value: (input: EventuallyInput) => {
        const parsed = EventuallyInputSchema.safeParse(input);
        if (!parsed.success) throw new SpecError(`${label}.eventually(): ${formatZodIssues(parsed.error)}`);
        return chain(input);
      },
    });
    return start;
  };
}

function firstMatcher(resource: AnyResource): string {
  return Object.keys(resource.matchers)[0] ?? 'matcher';
}

/** Runs one spec body into the assembler. A mistake names the spec (or file) it is in. */
export function collectSpec(assembler: PlanAssembler, definition: SpecDefinition, source?: string): void {
  const location = source ?? `spec "${definition.info.name}"`;
  assembler.beginSpec({ ...definition.info, ...(source === undefined ? {} : { source }) });
  const previous = activeCollection();
  setActiveCollection({ assembler, control: null, location });
  try {
    definition.body(assembler.resolveSpecInputs(definition.inputs ?? {}));
  } catch (error) {
    if (isSpecError(error) && !error.location) throw new SpecError(error.message, location);
    throw error;
  } finally {
    setActiveCollection(previous);
  }
}

/** Runs spec bodies, in order, into one plan; `inputLayers` set their inputs (see plan/inputs.ts). */
export function planSpecs(
  definitions: readonly { definition: SpecDefinition; source?: string }[],
  registry: ResourceRegistry,
  inputLayers: readonly InputLayer[] = [],
): Plan {
  const assembler = new PlanAssembler(registry, inputLayers);
  for (const { definition, source } of definitions) collectSpec(assembler, definition, source);
  return assembler.finish();
}
