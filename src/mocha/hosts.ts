import { basename } from 'node:path';
import { z } from 'zod';
import { accessFor, parseOptions, selectHosts } from '../api/access.js';
import { fleetPacing, FleetOptionsSchema, withFleetRules } from '../api/schemas.js';
import { makeHost, type Host, type Subject } from '../chai/host.js';
import { isConditionCheckId, applyOnlyIf } from '../controls/only-if.js';
import {
  loadWaiversFile,
  skipWaivedChecks,
  waiverBookOf,
  waiverDay,
  waiverOnDay,
  type WaiversFile,
} from '../controls/waivers.js';
import { runHostTimeoutMs } from '../engine/budget.js';
import { inventoryRecord, type HostInventoryInfo } from '../engine/run.js';
import { PlanAssembler, type ControlInput } from '../plan/assemble.js';
import { lookupResource, type CheckRequest } from '../plan/build.js';
import { PLAN_SCHEMA_VERSION, type Check, type Plan } from '../plan/schema.js';
import { createRegistry, type ResourceRegistry } from '../resources/index.js';
import type { HostResult, Waiver } from '../results/schema.js';
import type { Target } from '../targets/target.js';
import { printable } from '../text/printable.js';
import { controlsWithin, type SuiteLike } from './control.js';
import { currentTest } from './current-test.js';
import { retryFailing } from './eventually.js';
import { checksNotGathered, judgeGathered, probeTargets, type Gathered, type ProbeSettings } from './probe.js';
import { writeRecord } from './record.js';
import { gatheringChecks } from './subject-facts.js';

/** The environment variables a file's hosts are taken from when the file names none. */
export const TARGETS_ENV = 'DRIFTSPEC_TARGETS';
export const INVENTORY_ENV = 'DRIFTSPEC_INVENTORY';
export const LIMIT_ENV = 'DRIFTSPEC_LIMIT';

export const UseHostsOptionsSchema = withFleetRules(
  FleetOptionsSchema.extend({
    /** The spec name the checks' ids and reports carry (default: the test file's name without extensions). */
    spec: z.string({ error: 'a spec name' }).min(1, { error: 'a spec name' }).optional(),
    /** A waivers file (docs/controls.md): a waived control's tests are skipped, its checks reported as waived. */
    waivers: z.string({ error: 'a waivers file path' }).min(1, { error: 'a waivers file path' }).optional(),
  }).strict(),
);

export type UseHostsOptions = z.input<typeof UseHostsOptionsSchema>;

/** Environment variables, as `process.env` holds them; written out so the declarations need no node types. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The gathering probe has no `eventually` of its own: its host budget is a plain run's. */
const NO_CHECKS: Plan = { schemaVersion: PLAN_SCHEMA_VERSION, specs: [], controls: [], checks: [] };

/** What mocha's `before` gives a hook: its timeout and the suite's file. */
interface HookContext {
  timeout(ms: number): void;
  test?: { file?: string; parent?: SuiteLike & { file?: string } };
}

type BeforeHook = (fn: (this: HookContext) => Promise<void>) => void;

interface HostState {
  target: Target;
  host: Host;
  subjects: Subject[];
  inventory: { name: string; groups: string[]; tags: string[] } | undefined;
  gathered?: Gathered;
  assembler: PlanAssembler;
  probes: number;
  /** The controls this host's plan has, by id. */
  controls: Set<string>;
}

/**
 * Hosts for a mocha file, declared at `describe` time. Every subject made from them before the
 * tests run is gathered in ONE exec per host, all hosts at once, in a `before` hook of the suite
 * that calls this; the assertions in the tests then judge those facts without asking again.
 *
 * The hosts are `options.targets` and the hosts of `options.inventory`; when the file names
 * neither, those of DRIFTSPEC_TARGETS (addresses separated by spaces or commas) and
 * DRIFTSPEC_INVENTORY (with DRIFTSPEC_LIMIT), and `local` when those are unset too.
 */
export function useHosts(options: UseHostsOptions = {}, env: Environment = process.env): Host[] {
  const parsed = parseOptions('useHosts', UseHostsOptionsSchema, withEnvironment(options, env));
  const access = accessFor('useHosts', parsed);
  const registry = createRegistry();
  const selected = selectHosts('useHosts', parsed, ['local'], access);
  const pacing = fleetPacing(parsed);
  const settings = (prefix: string): ProbeSettings => ({
    registry,
    commandTimeoutMs: parsed.commandTimeoutSeconds * 1000,
    hostTimeoutMs: runHostTimeoutMs(pacing, NO_CHECKS),
    concurrency: parsed.concurrency,
    ...(pacing.wait === undefined ? {} : { wait: { timeoutMs: pacing.wait, allowDegraded: parsed.allowDegraded } }),
    evidencePrefix: prefix,
  });
  // A target is closed once probed; a later probe of the same host (a subject first named in a
  // test, an `eventually` round) gets a fresh one, selected as the first was.
  const freshTarget = (index: number) => selectHosts('useHosts', parsed, ['local'], access).targets[index]!;
  const waivers = parsed.waivers === undefined ? undefined : loadWaiversFile(parsed.waivers, access.cwd);
  const session: Session = { spec: parsed.spec, registry, settings, freshTarget, waivers };
  const states: HostState[] = selected.targets.map((target, index) => {
    const state: HostState = {
      target,
      subjects: [],
      inventory: inventoryOf(selected.inventory.get(target)),
      assembler: new PlanAssembler(registry),
      probes: 0,
      controls: new Set(),
      host: makeHost(
        target.name,
        (requests) => checkOnHost(state, index, requests, session),
        (subject) => state.subjects.push(subject),
      ),
    };
    return state;
  });
  registerGathering(states, session);
  return states.map((state) => state.host);
}

/** One host, as useHosts() takes it: `useHost('ssh://admin@10.0.0.5')`. */
export function useHost(target?: string, options: Omit<UseHostsOptions, 'targets' | 'inventory' | 'limit'> = {}): Host {
  const hosts = useHosts(target === undefined ? options : { ...options, targets: [target] });
  if (hosts.length !== 1)
    throw new Error(`useHost() takes one host, but ${hosts.length} were given: use useHosts() for several`);
  return hosts[0]!;
}

/** The file's hosts, or else those the environment names. */
export function withEnvironment(options: UseHostsOptions, env: Environment): UseHostsOptions {
  if (options.targets !== undefined || options.inventory !== undefined) return options;
  const list = (text: string | undefined) => (text ?? '').split(/[\s,]+/).filter((word) => word.length > 0);
  const targets = list(env[TARGETS_ENV]);
  const inventory = env[INVENTORY_ENV];
  const limit = list(env[LIMIT_ENV]);
  return {
    ...options,
    ...(targets.length > 0 ? { targets } : {}),
    ...(inventory ? { inventory } : {}),
    ...(inventory && limit.length > 0 ? { limit } : {}),
  };
}

interface Session {
  spec: string | undefined;
  registry: ResourceRegistry;
  settings: (prefix: string) => ProbeSettings;
  freshTarget: (index: number) => Target;
  waivers: WaiversFile | undefined;
}

function registerGathering(states: HostState[], session: Session): void {
  const before = (globalThis as { before?: BeforeHook }).before;
  if (!before) throw new Error('useHosts() is called inside a mocha describe(), where mocha defines before()');
  let specName = session.spec;
  before(async function gatherFacts(this: HookContext) {
    const settings = session.settings('');
    this.timeout(settings.hostTimeoutMs + 5000);
    specName ??= specOfFile(this.test?.parent?.file ?? this.test?.file);
    for (const state of states) state.assembler.beginSpec({ name: specName });
    // The onlyIf conditions of the suite's controls are gathered with the subjects' facts.
    const conditions = conditionChecksOf(controlsWithin(this.test?.parent), session.registry, specName);
    const gathered = await probeTargets(
      states.map((state) => state.target),
      (index) => [...gatheringChecks(states[index]!.subjects), ...conditions],
      settings,
    );
    gathered.forEach((outcome, index) => {
      const state = states[index]!;
      state.gathered = outcome;
      state.probes = 1;
      writeRecord({
        kind: 'probe',
        target: state.target.name,
        execCount: 1,
        status: outcome.ok ? 'completed' : outcome.status,
        ...(outcome.ok ? {} : { reason: outcome.reason }),
        ...(state.inventory ? { inventory: state.inventory } : {}),
      });
    });
  });
}

/** The checks that ask the controls' onlyIf packages and files, as a spec's plan has them. */
function conditionChecksOf(controls: readonly ControlInput[], registry: ResourceRegistry, spec: string): Check[] {
  const withConditions = controls.filter((control) => control.onlyIf !== undefined);
  if (withConditions.length === 0) return [];
  const assembler = new PlanAssembler(registry);
  assembler.beginSpec({ name: spec });
  for (const control of withConditions) assembler.addControl(control);
  return assembler.finish().checks.filter((check) => isConditionCheckId(check.id));
}

function specOfFile(file: string | undefined): string {
  if (!file) return 'mocha';
  return basename(file).replace(/(\.(spec|test))?\.[cm]?[jt]sx?$/, '') || 'mocha';
}

async function checkOnHost(
  state: HostState,
  index: number,
  requests: readonly CheckRequest[],
  session: Session,
): Promise<HostResult> {
  if (!state.gathered)
    throw new Error(
      `an assertion on ${state.target.name} ran before its facts were gathered: ` +
        'await assertions inside it(), not at describe time or in an earlier before() hook',
    );
  const control = currentTest()?.control;
  const checks = withinControl(state, requests).map((request) => state.assembler.addCheck(request));
  const assembled = state.assembler.finish();
  // The control's onlyIf conditions are judged with its checks, then taken out of the result.
  const conditions = assembled.checks.filter((c) => c.control === control?.id && isConditionCheckId(c.id));
  const waiver = control && waiverOf(session.waivers, control.id);
  const waivers = waiverBookOf(new Map(waiver ? [[control.id, waiver]] : []));
  const plan = skipWaivedChecks({ ...assembled, checks: [...conditions, ...checks] }, waivers);
  let execCount = 0;
  const notGathered = checksNotGathered(plan, state.target, state.gathered, session.registry);
  if (notGathered.length > 0) {
    warnNotGathered(
      state.target.name,
      notGathered.map((check) =>
        lookupResource(session.registry, check.resource).title(check.subject, check.options ?? {}),
      ),
    );
    const prefix = `extra${state.probes++}.`;
    const [extra] = await probeTargets([session.freshTarget(index)], () => notGathered, session.settings(prefix));
    execCount++;
    state.gathered = mergeGathered(state.gathered, extra!);
    // A host that did not answer the extra probe: the assertion's checks are errors saying why.
    if (!extra!.ok) {
      const failed = applyOnlyIf(plan, judgeGathered(plan, state.target, extra!, session.registry));
      return recorded(state, plan, { ...failed, execCount }, waiver);
    }
  }
  const judged = applyOnlyIf(plan, judgeGathered(plan, state.target, state.gathered, session.registry));
  const own = { ...plan, checks: plan.checks.filter((check) => !isConditionCheckId(check.id)) };
  const retried = await retryFailing(own, judged, {
    target: state.target,
    registry: session.registry,
    probe: async (failing) => {
      const prefix = `round${state.probes++}.`;
      const [round] = await probeTargets([session.freshTarget(index)], () => failing, session.settings(prefix));
      return round!;
    },
  });
  const result = recorded(state, plan, { ...retried.result, execCount: execCount + retried.execCount }, waiver);
  if (notJudgedHere(result, waiver)) currentTest()?.skip?.();
  return result;
}

/** The control's waiver in the file, as it stands today. */
function waiverOf(file: WaiversFile | undefined, control: string) {
  const waiver = file?.waivers.get(control);
  return waiver && waiverOnDay(waiver, waiverDay(Date));
}

/**
 * Whether the assertion's test is skipped rather than passed or failed: its control does not apply
 * (every check not applicable), or is waived (its checks skipped, or run and not passed). The
 * reports still hold every check's status.
 */
function notJudgedHere(result: HostResult, waiver: (Waiver & { expired: boolean }) | undefined): boolean {
  const statuses = result.results.map((check) => check.status);
  if (statuses.length === 0) return false;
  if (statuses.every((status) => status === 'not-applicable')) return true;
  return waiver !== undefined && !waiver.expired && statuses.some((status) => status !== 'passed');
}

function recorded(
  state: HostState,
  plan: Plan,
  result: HostResult,
  waiver?: Waiver & { expired: boolean },
): HostResult {
  const control = currentTest()?.control;
  writeRecord({
    kind: 'assertion',
    test: currentTest()?.place ?? null,
    spec: plan.specs[0]!,
    controls: plan.controls,
    result,
    ...(state.inventory ? { inventory: state.inventory } : {}),
    ...(control && waiver ? { waivers: [{ control: control.id, ...waiver }] } : {}),
  });
  return result;
}

/** The requests as checks of the control of the test in progress, the control added to the plan on first use. */
function withinControl(state: HostState, requests: readonly CheckRequest[]): CheckRequest[] {
  const control = currentTest()?.control;
  if (!control) return [...requests];
  if (!state.controls.has(control.id)) {
    state.assembler.addControl(control);
    state.controls.add(control.id);
  }
  return requests.map((request) => ({ ...request, control: control.id }));
}

function warnNotGathered(target: string, subjectTitles: readonly string[]): void {
  const subjects = [...new Set(subjectTitles.map((title) => printable(title)))].join(', ');
  process.stderr.write(
    `driftspec: warning: ${subjects} (on ${printable(target)}): named first inside a test, so its facts ` +
      'cost one more exec; make the subject at describe time to have it gathered with the others\n',
  );
}

/** Facts of a later probe added to those gathered before: a failed later probe leaves them as they were. */
function mergeGathered(before: Gathered, later: Gathered): Gathered {
  if (!before.ok) return before;
  if (!later.ok) return before;
  return {
    ...before,
    queryOfFact: new Map([...before.queryOfFact, ...later.queryOfFact]),
    frames: new Map([...before.frames, ...later.frames]),
    evidence: { ...before.evidence, ...later.evidence },
  };
}

function inventoryOf(info: HostInventoryInfo | undefined): HostState['inventory'] {
  return info === undefined ? undefined : inventoryRecord(info);
}
