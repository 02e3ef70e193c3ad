import type { ControlInput } from '../plan/assemble.js';
import type { ImpactInput, OnlyIf } from '../plan/schema.js';

/** What a control says about itself, as `control()` of a spec takes it (docs/specs.md). */
export interface MochaControlMeta {
  title?: string;
  description?: string;
  impact?: ImpactInput;
  tags?: Record<string, string | number | boolean | string[]>;
  refs?: string[];
  /**
   * Where the control applies (`{ os: ['debian'], package: 'openssh-server' }`): judged from the
   * facts gathered before the tests; where it does not apply, its tests are skipped (pending) and
   * its checks reported `not-applicable` with the reason.
   */
  onlyIf?: OnlyIf;
}

const CONTROL_MARK = Symbol.for('driftspec.mocha.control');

/** What mocha's `describe` returns and this module reads: the suite, and the one around it. */
export interface SuiteLike {
  parent?: SuiteLike;
  suites?: SuiteLike[];
  [CONTROL_MARK]?: ControlInput;
}

type Describe = (title: string, body: () => void) => SuiteLike;

/**
 * A control of a mocha file: a `describe` whose tests' driftspec assertions are the control's
 * checks, with its id, impact and tags, as `control()` of a spec makes them: ids `<control>#<n>`,
 * the gate counting a failed control per host by its impact. Controls do not nest.
 */
export function control(id: string, meta: MochaControlMeta, body: () => void): void {
  const describe = (globalThis as { describe?: Describe }).describe;
  if (!describe) throw new Error(`control("${id}") is called in a mocha file, where mocha defines describe()`);
  const suite = describe(meta.title === undefined ? id : `${id}: ${meta.title}`, body);
  const outer = controlOf(suite.parent);
  if (outer) throw new Error(`control("${id}") is inside control("${outer.id}"); controls do not nest`);
  suite[CONTROL_MARK] = { id, ...meta };
}

/** The control a suite (or one around it) stands for, if any. */
export function controlOf(suite: SuiteLike | undefined): ControlInput | undefined {
  for (let at = suite; at; at = at.parent) if (at[CONTROL_MARK]) return at[CONTROL_MARK];
  return undefined;
}

/** The controls of a suite and of every suite inside it, in the order they were declared. */
export function controlsWithin(suite: SuiteLike | undefined): ControlInput[] {
  if (!suite) return [];
  const own = suite[CONTROL_MARK];
  return [...(own ? [own] : []), ...(suite.suites ?? []).flatMap((inner) => controlsWithin(inner))];
}
