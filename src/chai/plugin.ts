import { RESOURCES } from '../resources/index.js';
import { chainToChecks, chainWords, type ChainCall } from './chain.js';
import { isSubject, type Subject } from './host.js';
import { judgeHost } from './judge.js';

/** Thrown by an awaited assertion whose checks could not be judged: an errored fact, a host not reached. */
export class CheckNotJudgedError extends Error {
  override name = 'CheckNotJudgedError';
}

/** Thrown, uncaught, when an assertion on a subject was built but never awaited. */
export class UnawaitedAssertionError extends Error {
  override name = 'UnawaitedAssertionError';
}

interface ChainState {
  subject: Subject;
  calls: ChainCall[];
  outcome?: Promise<void>;
}

/** The part of chai's plugin interface this plugin uses, so any chai 5 or 6 fits. */
export interface ChaiLike {
  Assertion: { prototype: object };
  AssertionError: new (message: string, properties?: Record<string, unknown>) => Error;
}

export interface ChaiUtilsLike {
  flag(assertion: object, key: string, value?: unknown): unknown;
  addProperty(ctx: object, name: string, getter: (this: object) => unknown): void;
  addMethod(ctx: object, name: string, method: (this: object, ...args: unknown[]) => unknown): void;
  addChainableMethod(
    ctx: object,
    name: string,
    method: (this: object, ...args: unknown[]) => unknown,
    chainingBehavior: (this: object) => void,
  ): void;
  overwriteProperty(ctx: object, name: string, getter: (previous: () => unknown) => (this: object) => unknown): void;
  overwriteMethod(
    ctx: object,
    name: string,
    method: (previous: (...args: unknown[]) => unknown) => (this: object, ...args: unknown[]) => unknown,
  ): void;
  overwriteChainableMethod(
    ctx: object,
    name: string,
    method: (previous: (...args: unknown[]) => unknown) => (this: object, ...args: unknown[]) => unknown,
    chainingBehavior: (previous: () => unknown) => (this: object) => unknown,
  ): void;
}

const STATE = 'driftspec.chain';

/**
 * The chai plugin (`chai.use(driftspecChai)`): every matcher and shortcut of every resource as a
 * chai word on a driftspec subject. Words only record the chain; awaiting the assertion plans one
 * check per matcher word, runs them on the subject's host in one exec, and judges them there.
 */
export function driftspecChai(chai: ChaiLike, chaiUtils: object): void {
  // chai's own declarations of these helpers lag behind chai: the shapes used are declared here.
  const utils = chaiUtils as ChaiUtilsLike;
  const prototype = chai.Assertion.prototype;
  const { properties, methods } = chainWords(RESOURCES);
  for (const name of properties) addWord(prototype, utils, name, true);
  for (const name of methods) addWord(prototype, utils, name, false);
  Object.defineProperty(prototype, 'then', {
    configurable: true,
    get(this: object) {
      const state = utils.flag(this, STATE) as ChainState | undefined;
      if (!state) return undefined;
      const message = utils.flag(this, 'message') as string | undefined;
      return (onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) => {
        state.outcome ??= judge(chai, state, message);
        return state.outcome.then(onFulfilled, onRejected);
      };
    },
  });
}

function addWord(prototype: object, utils: ChaiUtilsLike, name: string, chainable: boolean): void {
  const record = (assertion: object, args: readonly unknown[] | undefined) => {
    const state = chainState(utils, assertion, name);
    state.calls.push({ name, negated: utils.flag(assertion, 'negate') === true, args });
  };
  const giveArgs = (assertion: object, args: unknown[]) => {
    const state = chainState(utils, assertion, name);
    const last = state.calls.at(-1);
    if (last?.name === name && last.args === undefined) last.args = args;
    else state.calls.push({ name, negated: utils.flag(assertion, 'negate') === true, args });
  };
  const existing = chaiWordKind(prototype, name);
  const onSubject = (assertion: object) => isSubject(utils.flag(assertion, 'object'));
  if (existing === 'chainable')
    return void utils.overwriteChainableMethod(
      prototype,
      name,
      (previous) =>
        function (this: object, ...args: unknown[]) {
          return onSubject(this) ? giveArgs(this, args) : previous.apply(this, args);
        },
      (previous) =>
        function (this: object) {
          return onSubject(this) ? record(this, undefined) : previous.call(this);
        },
    );
  if (existing === 'method')
    return void utils.overwriteMethod(
      prototype,
      name,
      (previous) =>
        function (this: object, ...args: unknown[]) {
          return onSubject(this) ? record(this, args) : previous.apply(this, args);
        },
    );
  if (existing === 'property')
    return void utils.overwriteProperty(
      prototype,
      name,
      (previous) =>
        function (this: object) {
          return onSubject(this) ? record(this, undefined) : previous.call(this);
        },
    );
  if (chainable)
    return void utils.addChainableMethod(
      prototype,
      name,
      function (this: object, ...args: unknown[]) {
        giveArgs(this, args);
      },
      function (this: object) {
        record(this, undefined);
      },
    );
  utils.addMethod(prototype, name, function (this: object, ...args: unknown[]) {
    record(this, args);
  });
}

function chaiWordKind(prototype: object, name: string): 'chainable' | 'method' | 'property' | undefined {
  const chainables = (prototype as { __methods?: Record<string, unknown> }).__methods ?? {};
  if (Object.hasOwn(chainables, name)) return 'chainable';
  const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
  if (!descriptor) return undefined;
  return descriptor.get ? 'property' : 'method';
}

function chainState(utils: ChaiUtilsLike, assertion: object, name: string): ChainState {
  const existing = utils.flag(assertion, STATE) as ChainState | undefined;
  if (existing) return existing;
  const subject = utils.flag(assertion, 'object');
  if (!isSubject(subject))
    throw new TypeError(
      `.${name} is a driftspec assertion: give expect() a subject of a host, such as host.package('nginx')`,
    );
  const state: ChainState = { subject, calls: [] };
  utils.flag(assertion, STATE, state);
  // An `await` asks for `then` within the tick that built the chain; one that nobody asked for
  // checked nothing, and is thrown where the test runner fails the test in progress.
  setTimeout(() => {
    if (!state.outcome) throw new UnawaitedAssertionError(describeChain(state));
  }, 0);
  return state;
}

function describeChain(state: ChainState): string {
  const words = state.calls.map((call) => `${call.negated ? '.not' : ''}.${call.name}${call.args ? '(…)' : ''}`);
  return (
    `expect(${subjectTitle(state)})${words.join('')} was not awaited, ` +
    'so it checked nothing: write `await expect(…)…` (or return the assertion from the test)'
  );
}

function subjectTitle(state: ChainState): string {
  return state.subject.resource.title(state.subject.name, state.subject.options ?? {});
}

async function judge(chai: ChaiLike, state: ChainState, message: string | undefined): Promise<void> {
  const { subject } = state;
  const requests = chainToChecks(subject.resource, subject.name, subject.options, state.calls).map((request) =>
    subject.retry === undefined ? request : { ...request, eventually: subject.retry },
  );
  const judged = judgeHost(await subject.host.check(requests));
  const prefix = message ? `${message}: ` : '';
  if (judged.outcome === 'error') throw new CheckNotJudgedError(`${prefix}${judged.message}`);
  if (judged.outcome === 'failed') {
    const { expected, actual } = judged;
    throw new chai.AssertionError(`${prefix}${judged.message}`, { expected, actual, showDiff: false });
  }
}
