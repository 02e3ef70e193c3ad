import { z } from 'zod';
import type { Frame } from '../probe/frames.js';
import { parseParts } from '../probe/parts.js';
import type { HostFacts } from '../probe/host.js';
import type { ActualValue, Scalar, ValueExpectation, ValueMatcher } from '../matchers/value.js';
import type { AnyInventoryPart } from './inventory-part.js';

/**
 * Thrown by a parser when a frame is not evidence of anything: a missing tool, a denied read,
 * output that does not parse. The check becomes an `error` carrying this message, never a pass.
 */
export class FactError extends Error {
  override name = 'FactError';
}

/**
 * Thrown by a parser when the target has no such fact to judge (an image that does not configure
 * a kernel parameter: the kernel's default applies at boot). The check is `not-applicable` with
 * this message as its reason: never passed, never failed.
 */
export class NotApplicableError extends Error {
  override name = 'NotApplicableError';
}

/** A fact query: the sh fragment that gathers it and the parser that turns its frame into data. */
export interface FactQuery<F> {
  /** Equal keys are one query in the probe, however many checks read the fact. */
  key: string;
  script: string;
  parse(frame: Frame, host: HostFacts): F;
  /**
   * Set where one command gathers this fact for many subjects at once (one `dpkg-query` for every
   * package, one `getent` for every user). The planner then runs `group.script` once for all the
   * members that share `group.key`, and `parse` reads this member's fact from that output, so it
   * must accept the output for any set of members that includes its own; `script` is the
   * group's script for this member alone.
   */
  group?: FactGroup;
  /**
   * The probe never runs another query at the same time as this one: a command of the spec's own
   * (it may read what another query's programs change, or change what they read), a table of the
   * host's processes (the probe's own processes must hold still while it is read).
   */
  alone?: boolean;
}

export interface FactGroup {
  key: string;
  member: string;
  script(members: readonly string[]): string;
}

/** A fact query gathered by a group: its own script is the group's script for it alone. */
export function groupedQuery<F>(key: string, group: FactGroup, parse: FactQuery<F>['parse']): FactQuery<F> {
  return { key, script: group.script([group.member]), parse, group };
}

export type FactQueries = Record<string, (subject: never, options: never) => FactQuery<unknown>>;

/** A yes/no state such as installed, running, listening; `not` flips it, errors stay errors. */
export interface PredicateMatcher<F, A> {
  kind: 'predicate';
  fact: string;
  /** Only a running system has this state (running, listening): on an unbooted image it is not applicable. */
  needsRunningSystem?: boolean;
  args: z.ZodType<A>;
  /** Where the fact came from when that is not the live system (a value an image configures): said in the result. */
  source?(fact: F): string | undefined;
  /** Completes "expected <subject> to …": "be installed", "be listening on tcp". */
  describe(args: A): string;
  /** `actual` completes "… but …": "it is not installed", "it is inactive (dead)". */
  test(fact: F, args: A, host: HostFacts): { pass: boolean; actual: string };
}

/** What an attribute check expects: the value matcher, and whether the check is negated. */
export interface AttributeCheck {
  expected: ValueMatcher;
  negated: boolean;
}

/** Where an attribute cannot be read because the subject itself is missing. */
export interface Absent {
  absent: string;
}

/** An attribute such as mode, owner, version, compared with the value-matcher algebra. */
export interface AttributeMatcher<F, E> {
  kind: 'attribute';
  fact: string;
  /** Only a running system has this state (a live mount, a process): on an unbooted image it is not applicable. */
  needsRunningSystem?: boolean;
  /** Where the fact came from when that is not the live system (a value an image configures): said in the result. */
  source?(fact: F): string | undefined;
  /** Completes "expected <subject> to …": "have mode". */
  describe: string;
  /** Narrows what may be expected (for example the file types); defaults to any value matcher. */
  expected?: z.ZodType<unknown>;
  /** `check` is what the check expects, for the rare fact whose reading depends on it (command). */
  read(fact: F, host: HostFacts, check: AttributeCheck): ActualValue | Absent;
  /** Normalises expected scalars, such as the octal text "0640" to a number. */
  coerce?(value: Scalar): Scalar;
  format?(value: Scalar): string;
  /** Type-level marker only: what the DSL accepts as the expected value. */
  readonly _expected?: E;
}

export type AnyMatcher = PredicateMatcher<any, any> | AttributeMatcher<any, any>;

/**
 * A DSL method that stands for another matcher, such as `isFile()` for `type: file` or
 * `contains(x)` for `content: { contains: x }`. Plans (and YAML) only ever hold the real matcher.
 */
export type Shortcut = (...args: any[]) => { matcher: string; args: unknown };

export interface ResourceDefinition<
  S extends string | number = string | number,
  O extends Record<string, unknown> = Record<string, unknown>,
  M extends Record<string, AnyMatcher> = Record<string, AnyMatcher>,
  C extends Record<string, Shortcut> = Record<string, Shortcut>,
> {
  /** The key in a YAML check and the `resource` field of a plan check. */
  type: string;
  /** The DSL function name, where it differs from `type` (TypeScript reserves some words). */
  dslName: string;
  summary: string;
  subject: z.ZodType<S>;
  options: z.ZodType<O>;
  /** "file /etc/shadow", "package openssh-server"; options where they change what is checked. */
  title(subject: S, options: O): string;
  facts: Record<string, (subject: S, options: O) => FactQuery<unknown>>;
  matchers: M;
  shortcuts: C;
  /** How snapshot, drift and generate see the whole set of this kind; none for checks-only resources. */
  inventory?: AnyInventoryPart;
}

export type AnyResource = ResourceDefinition<any, any, any, any>;

export function defineResource<
  S extends string | number,
  O extends Record<string, unknown>,
  M extends Record<string, AnyMatcher>,
  C extends Record<string, Shortcut> = Record<never, Shortcut>,
>(
  definition: Omit<ResourceDefinition<S, O, M, C>, 'shortcuts' | 'dslName'> & { shortcuts?: C; dslName?: string },
): ResourceDefinition<S, O, M, C> {
  return {
    ...definition,
    dslName: definition.dslName ?? definition.type,
    shortcuts: definition.shortcuts ?? ({} as C),
  };
}

export const NoArgs = z.object({}).strict();
export const NoOptions = z.object({}).strict();

export function predicate<F, A>(matcher: Omit<PredicateMatcher<F, A>, 'kind'>): PredicateMatcher<F, A> {
  return { kind: 'predicate', ...matcher };
}

export function attribute<F, E = ValueExpectation>(
  matcher: Omit<AttributeMatcher<F, E>, 'kind'>,
): AttributeMatcher<F, E> {
  return { kind: 'attribute', ...matcher };
}

export function isAbsent(value: ActualValue | Absent): value is Absent {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'absent' in value;
}

/** The common first step of every parser: a missing tool or a killed query is never evidence. */
export function requireRan(frame: Frame, what: string): void {
  const stderr = frame.stderr.toString('utf8').trim();
  if (frame.exitCode === 127)
    throw new FactError(`${what}: command not found on the target (exit 127)${stderr ? `: ${stderr}` : ''}`);
  if (frame.exitCode === 126)
    throw new FactError(`${what}: command not executable on the target (exit 126)${stderr ? `: ${stderr}` : ''}`);
  if (frame.exitCode === 124) throw new FactError(`${what}: timed out on the target (exit 124)`);
  if (frame.exitCode > 128 && frame.exitCode < 160)
    throw new FactError(`${what}: killed by signal ${frame.exitCode - 128}`);
}

/** Fails unless the frame exited with one of `codes`, quoting stderr as the evidence. */
export function requireExit(frame: Frame, codes: readonly number[], what: string): void {
  requireRan(frame, what);
  if (!codes.includes(frame.exitCode)) {
    const stderr = frame.stderr.toString('utf8').trim();
    throw new FactError(`${what} exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  }
}

/** ": " and the first lines of the frame's stderr, or nothing where it is empty. */
export function stderrSuffix(frame: Frame): string {
  const stderr = frame.stderr.toString('utf8').trim();
  return stderr ? `: ${firstLines(stderr, 3)}` : '';
}

/** Like stderrSuffix, on one line: ": " and the first three lines of stderr joined by " / ". */
export function stderrInline(frame: Frame): string {
  const stderr = frame.stderr.toString('utf8').trim();
  return stderr ? `: ${stderr.split('\n').slice(0, 3).join(' / ')}` : '';
}

export function firstLines(text: string, count: number): string {
  const lines = text.split('\n');
  return lines.length <= count ? text : `${lines.slice(0, count).join('\n')} …`;
}

/** Parses a zod schema and turns a mismatch into a FactError naming what was being read. */
export function validateFact<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`);
  throw new FactError(`${what}: unexpected output (${issues.join('; ')})`);
}

/**
 * The parts of a grouped query (see src/probe/parts.ts), once the query as a whole ran: a member
 * reads only its own parts and the shared ones, never another member's.
 */
export function readParts(frame: Frame, what: string): Map<string, Frame> {
  requireRan(frame, what);
  if (frame.exitCode !== 0) {
    const stderr = frame.stderr.toString('utf8').trim();
    throw new FactError(`${what}: the query exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  }
  try {
    return parseParts(frame.stdout);
  } catch (error) {
    throw new FactError(`${what}: ${(error as Error).message}`);
  }
}

export function requirePart(parts: ReadonlyMap<string, Frame>, name: string, what: string): Frame {
  const part = parts.get(name);
  if (!part) throw new FactError(`${what}: the output has no part ${JSON.stringify(name)}`);
  return part;
}

/**
 * The parts `PREFIX1`, `PREFIX2` … of a grouped query that each hold a file as the probe writes it:
 * its path, a NUL, its content. A file that could not be read is an error naming it.
 */
export function readFileParts(
  parts: ReadonlyMap<string, Frame>,
  prefix: string,
  what: string,
): { path: string; content: string }[] {
  const files: { path: string; content: string }[] = [];
  for (let index = 1; parts.has(`${prefix}${index}`); index++) {
    const part = parts.get(`${prefix}${index}`)!;
    const stdout = part.stdout.toString('utf8');
    const nul = stdout.indexOf('\0');
    if (nul === -1) throw new FactError(`${what}: unexpected output ${JSON.stringify(stdout.slice(0, 200))}`);
    const path = stdout.slice(0, nul);
    if (part.exitCode !== 0) throw new FactError(`${what}: reading ${path} failed${stderrSuffix(part)}`);
    files.push({ path, content: stdout.slice(nul + 1) });
  }
  return files;
}
