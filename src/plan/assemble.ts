import { conditionChecks } from '../controls/only-if.js';
import type { z } from 'zod';
import { formatZodIssues } from '../inputs/zod-issues.js';
import { SpecError } from '../inputs/input-error.js';
import { buildCheck, type CheckRequest } from './build.js';
import { resolveInputs, type InputDeclarations, type InputLayer, type InputRecord } from './inputs.js';
import {
  ControlIdSchema,
  ImpactInputSchema,
  impactValue,
  OnlyIfSchema,
  ReferenceSchema,
  PLAN_SCHEMA_VERSION,
  TagsSchema,
  type Check,
  type Control,
  type ImpactInput,
  type OnlyIf,
  type Plan,
  type Reference,
  type SpecInfo,
} from './schema.js';
import type { ResourceRegistry } from '../resources/index.js';

export interface ControlInput {
  id: string;
  title?: string;
  description?: string;
  rationale?: string;
  remediation?: string;
  impact?: ImpactInput;
  tags?: Record<string, string | number | boolean | string[]>;
  refs?: string[];
  references?: Reference[];
  onlyIf?: OnlyIf;
  skip?: string;
}

/** The impact of a control that names none. */
export const DEFAULT_IMPACT: ImpactInput = 'medium';

/** A TypeScript spec's metadata is not checked by a schema on the way in, so it is checked here. */
function checkedMeta<T>(control: string, field: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new SpecError(`invalid ${field} of control "${control}": ${formatZodIssues(parsed.error)}`);
}

/**
 * Collects specs, controls and checks into one plan, giving every check a stable id
 * (`<control>#<n>`, or `<spec>#<n>` outside controls). The DSL and the YAML loader both feed
 * this, which is why a TypeScript spec and its YAML twin give identical plans.
 */
export class PlanAssembler {
  private readonly specs: SpecInfo[] = [];
  private readonly controls = new Map<string, { control: Control; spec: string }>();
  private readonly checks: Check[] = [];
  private readonly counters = new Map<string, number>();
  private currentSpec: SpecInfo | undefined;
  private readonly inputRecords: InputRecord[] = [];
  private readonly secretTexts = new Set<string>();

  /** `inputLayers`: where input values come from, lowest priority first (defaults are below them all). */
  constructor(
    private readonly registry: ResourceRegistry,
    private readonly inputLayers: readonly InputLayer[] = [],
  ) {}

  /** The current spec's declared inputs with their values from the layers; each is recorded for the report. */
  resolveSpecInputs(
    declarations: InputDeclarations,
    locateDefault?: (name: string) => string,
  ): Record<string, unknown> {
    const spec = this.requireSpec();
    const resolved = resolveInputs(declarations, this.inputLayers, spec.name, locateDefault);
    this.inputRecords.push(...resolved.records);
    for (const secret of resolved.secrets) this.secretTexts.add(secret);
    return resolved.values;
  }

  /** Every input resolved so far (sensitive values masked). */
  inputs(): InputRecord[] {
    return [...this.inputRecords];
  }

  /** The text of every sensitive input value resolved so far. */
  secrets(): string[] {
    return [...this.secretTexts];
  }

  beginSpec(info: SpecInfo): void {
    const canonical: SpecInfo = {
      name: info.name,
      ...(info.version === undefined ? {} : { version: info.version }),
      ...(info.title === undefined ? {} : { title: info.title }),
      ...(info.source === undefined ? {} : { source: info.source }),
    };
    this.specs.push(canonical);
    this.currentSpec = canonical;
  }

  addControl(input: ControlInput): Control {
    const spec = this.requireSpec();
    const id = ControlIdSchema.safeParse(input.id);
    if (!id.success)
      throw new SpecError(`invalid control id ${JSON.stringify(input.id)}: ${id.error.issues[0]?.message ?? 'bad id'}`);
    const existing = this.controls.get(input.id);
    if (existing) throw new SpecError(`control "${input.id}" is defined twice (first in spec "${existing.spec}")`);
    const tags = TagsSchema.safeParse(input.tags ?? {});
    if (!tags.success)
      throw new SpecError(`invalid tags of control "${input.id}": ${tags.error.issues[0]?.message ?? ''}`);
    const control: Control = {
      id: input.id,
      ...(input.title === undefined ? {} : { title: input.title }),
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.rationale === undefined ? {} : { rationale: input.rationale }),
      ...(input.remediation === undefined ? {} : { remediation: input.remediation }),
      impact: impactValue(checkedMeta(input.id, 'impact', ImpactInputSchema, input.impact ?? DEFAULT_IMPACT)),
      tags: tags.data,
      refs: input.refs ?? [],
      ...(input.references === undefined
        ? {}
        : { references: checkedMeta(input.id, 'references', ReferenceSchema.array(), input.references) }),
      ...(input.onlyIf === undefined ? {} : { onlyIf: checkedMeta(input.id, 'onlyIf', OnlyIfSchema, input.onlyIf) }),
      ...(input.skip === undefined ? {} : { skip: input.skip }),
    };
    this.controls.set(control.id, { control, spec: spec.name });
    // onlyIf's packages and files are asked in the same probe as the control's own checks.
    this.checks.push(...conditionChecks(this.registry, control));
    return control;
  }

  addCheck(request: CheckRequest): Check {
    const spec = this.requireSpec();
    const scope = request.control ?? spec.name;
    const n = (this.counters.get(scope) ?? 0) + 1;
    const controlSkip = request.control ? this.controls.get(request.control)?.control.skip : undefined;
    const skip = request.skip ?? controlSkip;
    const check = buildCheck(this.registry, { ...request, ...(skip === undefined ? {} : { skip }) }, `${scope}#${n}`);
    this.counters.set(scope, n);
    this.checks.push(check);
    return check;
  }

  finish(): Plan {
    return {
      schemaVersion: PLAN_SCHEMA_VERSION,
      specs: [...this.specs],
      controls: [...this.controls.values()].map((c) => c.control),
      checks: [...this.checks],
    };
  }

  private requireSpec(): SpecInfo {
    if (!this.currentSpec) throw new SpecError('a control or check must belong to a spec');
    return this.currentSpec;
  }
}
