import { z } from 'zod';
import type { Scalar, ValueExpectation } from '../../matchers/value.js';
import { attribute, defineResource, groupedQuery, NoArgs, NoOptions, predicate, type FactQuery } from '../resource.js';
import {
  appliedOutcome,
  configurationGroupScript,
  configuredOf,
  configuredSource,
  parseParameterConfiguration,
  type ParameterConfiguration,
} from './configuration.js';
import type { KernelParameter } from './fact.js';
import { parameterGroupScript, parseKernelParameter, sysctlComponents } from './live.js';

export { KernelParameterSchema, normaliseValue, type KernelParameter } from './fact.js';
export { configurationGroupScript, type ParameterConfiguration } from './configuration.js';
export {
  liveParameter,
  NO_PROC_SYS,
  parameterGroupScript,
  parseKernelParameter,
  sysctlComponents,
  sysctlPath,
} from './live.js';

const KernelKeySchema = z
  .string()
  .refine(
    (key) => sysctlComponents(key) !== undefined,
    'a kernel parameter is a sysctl key such as net.ipv4.ip_forward: dot-separated names, ' +
      'no empty names, no "..", no leading "/" or "." and no blanks',
  );

function parameterQuery(key: string): FactQuery<KernelParameter> {
  const group = { key: 'kernel-parameter', member: key, script: parameterGroupScript };
  return groupedQuery(`kernel-parameter:${key}`, group, (frame, host) => parseKernelParameter(frame, key, host));
}

function configurationQuery(key: string): FactQuery<ParameterConfiguration> {
  const group = { key: 'kernel-parameter-configuration', member: key, script: configurationGroupScript };
  return groupedQuery(`kernel-parameter-configuration:${key}`, group, (frame, host) =>
    parseParameterConfiguration(frame, key, host),
  );
}

function configuredBy(fact: KernelParameter): string | undefined {
  return fact.exists && fact.configuredBy ? `configured in the image by ${fact.configuredBy}` : undefined;
}

export const kernelParameterResource = defineResource({
  type: 'kernel_parameter',
  dslName: 'kernelParameter',
  summary:
    'A sysctl kernel parameter read from /proc/sys (on an image: the value it configures): ' +
    'whether it exists and its value; the value its boot-time configuration (sysctl.d, sysctl.conf) sets, ' +
    'and whether that value is live.',
  subject: KernelKeySchema,
  options: NoOptions,
  title: (key: string) => `kernel parameter ${key}`,
  facts: {
    parameter: (key: string) => parameterQuery(key),
    configuration: (key: string) => configurationQuery(key),
  },
  matchers: {
    exists: predicate<KernelParameter, Record<string, never>>({
      fact: 'parameter',
      args: NoArgs,
      source: configuredBy,
      describe: () => 'exist',
      test: (fact) =>
        fact.exists
          ? { pass: true, actual: `it is ${JSON.stringify(fact.value)}` }
          : { pass: false, actual: fact.reason },
    }),
    value: attribute<KernelParameter, Scalar | ValueExpectation>({
      fact: 'parameter',
      source: configuredBy,
      describe: 'have value',
      read: (fact) => (fact.exists ? fact.value : { absent: fact.reason }),
    }),
    configured: attribute<ParameterConfiguration, Scalar | ValueExpectation>({
      fact: 'configuration',
      source: configuredSource,
      describe: 'be configured to',
      read: configuredOf,
    }),
    applied: predicate<ParameterConfiguration, Record<string, never>>({
      fact: 'configuration',
      needsRunningSystem: true,
      source: configuredSource,
      args: NoArgs,
      describe: () => 'have its configured value live',
      test: appliedOutcome,
    }),
  },
});
