import { z } from 'zod';
import { attribute, defineResource, FactError, NoArgs, NoOptions, predicate, type FactQuery } from '../resource.js';
import { disablesLoading } from './modprobe-config.js';
import { KERNEL_MODULES_SCRIPT, parseKernelModules, type KernelModules } from './probe.js';
import { moduleName } from './proc-modules.js';

export { KERNEL_MODULES_SCRIPT, parseKernelModules, type KernelModules } from './probe.js';
export { moduleName, parseProcModules } from './proc-modules.js';
export { configFromFiles, configFromShowconfig, disablesLoading } from './modprobe-config.js';

const ModuleNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a kernel module name is letters, digits, "_" and "-" (at most 64)');

function modulesQuery(): FactQuery<KernelModules> {
  return {
    key: 'kernel-modules',
    script: KERNEL_MODULES_SCRIPT,
    parse: (frame, host) => parseKernelModules(frame, host),
  };
}

function loadedState(fact: KernelModules, name: string): string | undefined {
  if (fact.loadedUnknown !== undefined) throw new FactError(fact.loadedUnknown);
  if (!fact.loaded) throw new FactError('no kernel runs on an image that is not booted');
  return fact.loaded.find((module) => module.name === moduleName(name))?.state;
}

/** Which module a check is about: matchers get only the fact, so the subject travels in a closure. */
function forModule(fact: KernelModules, name: string) {
  const key = moduleName(name);
  return { blacklist: fact.config.blacklisted.get(key), install: fact.config.install.get(key) };
}

export const kernelModuleResource = defineResource({
  type: 'kernel_module',
  dslName: 'kernelModule',
  summary:
    'A kernel module: loaded (/proc/modules, exact name), blacklisted or disabled by the modprobe configuration.',
  subject: ModuleNameSchema,
  options: NoOptions,
  title: (name: string) => `kernel module ${name}`,
  facts: {
    modules: (name: string) => ({
      ...modulesQuery(),
      parse: (frame, host) => ({ name, ...parseKernelModules(frame, host) }),
    }),
  },
  matchers: {
    loaded: predicate<KernelModules & { name: string }, Record<string, never>>({
      fact: 'modules',
      needsRunningSystem: true,
      args: NoArgs,
      describe: () => 'be loaded',
      test: (fact) => {
        const state = loadedState(fact, fact.name);
        if (fact.withoutModuleSupport)
          return { pass: false, actual: 'the kernel has no module support (procfs has no /proc/modules)' };
        if (state === undefined) return { pass: false, actual: 'it is not in /proc/modules' };
        return { pass: state === 'Live', actual: `it is ${state} in /proc/modules` };
      },
    }),
    blacklisted: predicate<KernelModules & { name: string }, Record<string, never>>({
      fact: 'modules',
      args: NoArgs,
      describe: () => 'be blacklisted',
      test: (fact) => {
        const { blacklist } = forModule(fact, fact.name);
        return blacklist
          ? { pass: true, actual: `it is blacklisted (${blacklist})` }
          : { pass: false, actual: `there is no "blacklist" line for it in ${fact.configSource}` };
      },
    }),
    disabled: predicate<KernelModules & { name: string }, Record<string, never>>({
      fact: 'modules',
      args: NoArgs,
      describe: () => 'be disabled (install /bin/true or /bin/false)',
      test: (fact) => {
        const { install } = forModule(fact, fact.name);
        if (!install) return { pass: false, actual: `there is no "install" line for it in ${fact.configSource}` };
        const said = `its install command is ${JSON.stringify(install.command)} (${install.source})`;
        return { pass: disablesLoading(install.command), actual: said };
      },
    }),
    installCommand: attribute<KernelModules & { name: string }>({
      fact: 'modules',
      describe: 'have install command',
      read: (fact) => {
        const { install } = forModule(fact, fact.name);
        return install ? install.command : { absent: `there is no "install" line for it in ${fact.configSource}` };
      },
    }),
  },
});
