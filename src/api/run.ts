import { z } from 'zod';
import { inventoryVars } from '../controls/host-plans.js';
import { isSpecDefinition, type SpecDefinition } from '../dsl/spec.js';
import { runHostTimeoutMs } from '../engine/budget.js';
import { runPlanInterruptibly } from '../engine/run.js';
import { GatePolicySchema, loadGatePolicy, type GatePolicy } from '../gate/policy.js';
import { decideVerdict } from '../gate/verdict.js';
import { PlanSchema } from '../plan/schema.js';
import { createRegistry } from '../resources/index.js';
import type { RunResult } from '../results/schema.js';
import { toolVersion } from '../version.js';
import { checkedCall, selectHosts } from './access.js';
import { FleetOptionsSchema, fleetPacing, withFleetRules } from './schemas.js';
import { planWith, PlanningOptionsSchema } from './planning.js';
import { apiVerdict, type ApiVerdict } from './verdict.js';

const specSchema = z.union([
  z.string({ error: 'a spec file path' }).min(1, { error: 'a spec file path' }),
  z.custom<SpecDefinition>(isSpecDefinition, {
    error: 'a spec file path or a spec() definition',
  }),
]);

export const RunOptionsSchema = withFleetRules(
  FleetOptionsSchema.extend({
    ...PlanningOptionsSchema.shape,
    /**
     * Spec files (YAML, JSON, TypeScript, JavaScript), folders, globs and profiles, or spec()
     * definitions; or give `plan`.
     */
    specs: z.array(specSchema, { error: 'an array of spec file paths or spec() definitions' }).min(1).optional(),
    /** A plan, as `plan()` returns it; or give `specs`. */
    plan: PlanSchema.optional(),
    /** The gate policy: a policy file's path, or the policy itself (docs/reports.md). */
    policy: z.union([z.string(), GatePolicySchema], { error: 'a policy file path or a policy object' }).optional(),
  })
    .strict()
    .refine((options) => (options.specs === undefined) !== (options.plan === undefined), {
      error: 'exactly one of `specs` and `plan`',
      path: ['specs'],
    }),
);

export type RunOptions = z.input<typeof RunOptionsSchema>;

export interface RunOutcome {
  /** The run result, with the verdict: the JSON report's document (`driftspec schema result`). */
  result: RunResult;
  verdict: ApiVerdict;
}

/**
 * Checks specs or a plan on targets, as `driftspec run` does, and returns the result with the
 * gate's verdict. Every option and input file is checked before any host is contacted.
 */
export async function run(options: RunOptions): Promise<RunOutcome> {
  return checkedCall('run', RunOptionsSchema, options, async ({ options: parsed, abort, access }) => {
    const policy = gatePolicy(parsed.policy, access.cwd);
    const selected = selectHosts('run', parsed, ['local'], access);
    const { targets, inventory } = selected;
    const registry = createRegistry();
    const source = parsed.plan ? { plan: parsed.plan } : { specs: parsed.specs! };
    const hosts =
      parsed.inventory === undefined ? undefined : { vars: inventoryVars(selected, parsed.inventory), targets };
    const planning = await planWith('run', source, { ...parsed, cwd: access.cwd, registry }, hosts);
    const { plan, waivers, selection } = planning;
    const hostPlans = await planning.planHosts();
    abort.throwIfAborted();
    const pacing = fleetPacing(parsed);
    const waitMs = pacing.wait;
    const done = await runPlanInterruptibly(plan, targets, {
      registry,
      commandTimeoutMs: parsed.commandTimeoutSeconds * 1000,
      toolVersion: toolVersion(),
      concurrency: parsed.concurrency,
      hostTimeoutMs: runHostTimeoutMs(pacing, plan),
      ...(waitMs === undefined ? {} : { wait: { timeoutMs: waitMs, allowDegraded: parsed.allowDegraded } }),
      inventory,
      ...(waivers ? { waivers } : {}),
      ...(selection ? { selection } : {}),
      hostPlan: (target) => hostPlans(target) ?? planning,
      interrupt: abort.interrupt,
    });
    abort.throwIfAborted();
    const result = planning.profiles ? { ...done.result, profiles: planning.profiles } : done.result;
    const verdict = decideVerdict(result, policy);
    return { result: { ...result, verdict }, verdict: apiVerdict(verdict) };
  });
}

function gatePolicy(policy: string | GatePolicy | undefined, cwd: string): GatePolicy | undefined {
  if (policy === undefined) return undefined;
  return typeof policy === 'string' ? loadGatePolicy(policy, cwd) : policy;
}
