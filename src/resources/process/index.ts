import { z } from 'zod';
import { attribute, defineResource, FactError, NoArgs, NoOptions, predicate } from '../resource.js';
import { ListMatcherSchema, type ListExpectation } from './list-matchers.js';
import { processQuery } from './select.js';
import type { ProcessMatches } from './table.js';

export * from './list-matchers.js';
export { processHasName, selectProcesses } from './select.js';
export * from './table.js';

// ---------------------------------------------------------------------------------------------
// Matchers
// ---------------------------------------------------------------------------------------------

function noneRunning(fact: ProcessMatches): { absent: string } {
  return { absent: `no process named ${JSON.stringify(fact.name)} is running` };
}

/** Counting or denying needs the whole table; a hidden process would make either a guess. */
function requireComplete(fact: ProcessMatches): void {
  if (fact.incomplete) throw new FactError(fact.incomplete);
}

function describePids(fact: ProcessMatches): string {
  const pids = fact.processes.map((p) => p.pid);
  const shown = pids.slice(0, 10).join(', ');
  return pids.length > 10 ? `${shown}, …` : shown;
}

const listAttribute = { expected: ListMatcherSchema };

export const processResource = defineResource({
  type: 'process',
  // `process` would shadow Node's global in a spec file; InSpec calls it `processes` too.
  dslName: 'processes',
  summary:
    'Running processes with an exact name: whether any runs, how many, as which users, with which command lines.',
  subject: z
    .string()
    .min(1, 'a process name cannot be empty')
    .refine((n) => !/[\0\n]/.test(n), 'a process name cannot contain a NUL byte or a newline'),
  options: NoOptions,
  title: (name: string) => `process ${name}`,
  facts: {
    processes: (name: string) => processQuery(name),
  },
  matchers: {
    running: predicate<ProcessMatches, Record<string, never>>({
      fact: 'processes',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be running',
      test: (fact) => {
        if (fact.processes.length > 0) return { pass: true, actual: `it is running (pid ${describePids(fact)})` };
        requireComplete(fact);
        return { pass: false, actual: 'no process with that name is running' };
      },
    }),
    count: attribute<ProcessMatches>({
      fact: 'processes',
      needsRunningSystem: true,
      describe: 'have a process count of',
      read: (fact) => {
        requireComplete(fact);
        return fact.processes.length;
      },
    }),
    user: attribute<ProcessMatches, ListExpectation>({
      fact: 'processes',
      needsRunningSystem: true,
      describe: 'run as users',
      ...listAttribute,
      read: (fact) => {
        if (fact.processes.length === 0) return noneRunning(fact);
        if (fact.userLookupProblem) throw new FactError(fact.userLookupProblem);
        const unknown = fact.processes.find((p) => p.user === null);
        if (unknown)
          throw new FactError(
            `cannot read the user of process ${unknown.pid} (/proc/${unknown.pid}/status was not readable)`,
          );
        return [...new Set(fact.processes.map((p) => p.user!))].sort();
      },
    }),
    args: attribute<ProcessMatches, ListExpectation>({
      fact: 'processes',
      needsRunningSystem: true,
      describe: 'have command lines',
      ...listAttribute,
      read: (fact) => {
        if (fact.processes.length === 0) return noneRunning(fact);
        const unknown = fact.processes.find((p) => p.args === null);
        if (unknown)
          throw new FactError(
            `cannot read the command line of process ${unknown.pid} (it started or ended while the probe ran)`,
          );
        return fact.processes.map((p) => p.args!);
      },
    }),
  },
  shortcuts: {
    /** `processes('nginx').runsAs('www-data')` is `user: { contains: [www-data] }`. */
    runsAs: (...users: string[]) => ({ matcher: 'user', args: { contains: users } }),
  },
});
