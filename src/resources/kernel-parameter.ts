import { z } from 'zod';
import { shellQuote } from '../probe/quote.js';
import type { Frame } from '../probe/frames.js';
import type { HostFacts } from '../probe/host.js';
import type { Scalar, ValueExpectation } from '../matchers/value.js';
import { attribute, defineResource, FactError, firstLines, NoArgs, NoOptions, predicate, requireRan, type FactQuery } from './resource.js';

export const KernelParameterSchema = z.discriminatedUnion('exists', [
  z.object({ exists: z.literal(false), reason: z.string() }),
  z.object({ exists: z.literal(true), value: z.string() }),
]);
export type KernelParameter = z.infer<typeof KernelParameterSchema>;

/**
 * The directories under /proc/sys a sysctl key names: "." separates them, and a "/" inside one
 * stands for a "." in the name itself (sysctl's spelling of interface names such as eth0.100).
 * Undefined when the key is not a plain sysctl name or would leave /proc/sys.
 */
export function sysctlComponents(key: string): string[] | undefined {
  if (key === '' || key.startsWith('/') || /[\s\\\x00-\x1f\x7f]/.test(key)) return undefined;
  const components = key.split('.').map((part) => part.replace(/\//g, '.'));
  if (components.some((c) => c === '' || c === '.' || c === '..')) return undefined;
  return components;
}

export function sysctlPath(key: string): string {
  const components = sysctlComponents(key);
  if (!components) throw new Error(`not a sysctl key: ${JSON.stringify(key)}`);
  return `/proc/sys/${components.join('/')}`;
}

const KernelKeySchema = z
  .string()
  .refine(
    (key) => sysctlComponents(key) !== undefined,
    'a kernel parameter is a sysctl key such as net.ipv4.ip_forward: dot-separated names, no empty names, no "..", no leading "/" or "." and no blanks',
  );

/** Exit status of the query when /proc/sys itself is missing (no procfs): never evidence of absence. */
export const NO_PROC_SYS = 3;

function parameterQuery(key: string): FactQuery<KernelParameter> {
  return {
    key: `kernel-parameter:${key}`,
    script: `[ -d /proc/sys/kernel ] || { echo '/proc/sys is not available (procfs is not mounted)' >&2; exit ${NO_PROC_SYS}; }\ncat -- ${shellQuote(sysctlPath(key))}`,
    parse: (frame, host) => parseKernelParameter(frame, key, host),
  };
}

/** Values are compared with blanks normalised: "4096\t131072\t6291456" reads "4096 131072 6291456". */
export function normaliseValue(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ');
}

export function parseKernelParameter(frame: Frame, key: string, host?: HostFacts): KernelParameter {
  const what = `reading kernel parameter ${key}`;
  requireRan(frame, what);
  const stderr = frame.stderr.toString('utf8').trim();
  if (frame.exitCode === NO_PROC_SYS) throw new FactError(`${what}: ${stderr}`);
  if (frame.exitCode !== 0) {
    if (/No such file or directory|Not a directory/.test(stderr)) return { exists: false, reason: 'it does not exist on this kernel' };
    if (/Permission denied/.test(stderr)) {
      const who = host && host.uid !== 0 ? ` to uid ${host.uid} (some parameters are readable by root only)` : ' (it may be write-only)';
      throw new FactError(`${what}: permission denied${who}`);
    }
    if (/Is a directory/.test(stderr)) throw new FactError(`${what}: ${key} is a group of parameters, not a parameter`);
    throw new FactError(`${what}: cat exited ${frame.exitCode}${stderr ? `: ${firstLines(stderr, 3)}` : ''}`);
  }
  return { exists: true, value: normaliseValue(frame.stdout.toString('utf8')) };
}

export const kernelParameterResource = defineResource({
  type: 'kernel_parameter',
  dslName: 'kernelParameter',
  summary: 'A sysctl kernel parameter read from /proc/sys: whether it exists and its value.',
  subject: KernelKeySchema,
  options: NoOptions,
  title: (key: string) => `kernel parameter ${key}`,
  facts: {
    parameter: (key: string) => parameterQuery(key),
  },
  matchers: {
    exists: predicate<KernelParameter, Record<string, never>>({
      fact: 'parameter',
      args: NoArgs,
      describe: () => 'exist',
      test: (fact) => (fact.exists ? { pass: true, actual: `it is ${JSON.stringify(fact.value)}` } : { pass: false, actual: fact.reason }),
    }),
    value: attribute<KernelParameter, Scalar | ValueExpectation>({
      fact: 'parameter',
      describe: 'have value',
      read: (fact) => (fact.exists ? fact.value : { absent: fact.reason }),
    }),
  },
});
