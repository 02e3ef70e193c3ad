import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { FactError, readParts, requireRan } from '../resource.js';
import { configuredValue, describeSource, parseSysctlFiles } from './configured.js';
import { normaliseValue, type KernelParameter } from './fact.js';
import { readSysctlFiles, SYSCTL_FILES_SCRIPT } from './image.js';
import { liveParameter, liveParameterParts } from './live.js';

/** What the boot-time configuration sets a parameter to, beside its live value. */
export interface ParameterConfiguration {
  /** Null where no sysctl file names the key; `excludedBy` where a `-key` line keeps the globs off it. */
  configured: { value: string; source: string } | { excludedBy: string } | null;
  /** The live value, or why there is none (an image that is not booted, no procfs, a denied read). */
  live: KernelParameter | { unknown: string };
}

const LIVE_PARTS = ['states', 'values'];

/**
 * The sysctl files of the target (parts `sysctl:N`, as on an image) and, on a booted target whose
 * /proc/sys is there, the live values of the keys (parts `states` and `values`): one query for
 * every parameter whose configuration a spec checks.
 */
export function configurationGroupScript(keys: readonly string[]): string {
  return [
    SYSCTL_FILES_SCRIPT,
    'if [ "$DS_BOOTED" != no ] && [ -d /proc/sys/kernel ]; then',
    ...liveParameterParts(keys),
    'fi',
    'ds_parts_out',
  ].join('\n');
}

export function parseParameterConfiguration(frame: Frame, key: string, host: HostFacts): ParameterConfiguration {
  const what = `reading the configuration of kernel parameter ${key}`;
  requireRan(frame, what);
  const parts = readParts(frame, what);
  const assignment = configuredValue(parseSysctlFiles(readSysctlFiles(parts, what, LIVE_PARTS)), key);
  const configured =
    assignment === undefined
      ? null
      : 'excluded' in assignment
        ? { excludedBy: describeSource(assignment) }
        : { value: normaliseValue(assignment.value), source: describeSource(assignment) };
  return { configured, live: liveOf(parts, key, host) };
}

function liveOf(parts: ReadonlyMap<string, Frame>, key: string, host: HostFacts): ParameterConfiguration['live'] {
  if (host.booted === false) return { unknown: 'the image is not booted: no kernel runs it' };
  if (!parts.has('states')) return { unknown: '/proc/sys is not available (procfs is not mounted)' };
  try {
    return liveParameter(parts, key, `reading kernel parameter ${key}`, host);
  } catch (error) {
    if (error instanceof FactError) return { unknown: error.message };
    throw error;
  }
}

const NOT_CONFIGURED = 'nothing in the boot-time configuration (sysctl.d, /etc/sysctl.conf) sets it';

/** The `configured` attribute: the value that wins at boot, or why there is none. */
export function configuredOf(fact: ParameterConfiguration): string | { absent: string } {
  if (fact.configured === null) return { absent: NOT_CONFIGURED };
  if ('excludedBy' in fact.configured)
    return { absent: `${NOT_CONFIGURED} (${fact.configured.excludedBy} excludes it)` };
  return fact.configured.value;
}

export function configuredSource(fact: ParameterConfiguration): string | undefined {
  return fact.configured !== null && 'source' in fact.configured ? `set by ${fact.configured.source}` : undefined;
}

/**
 * `applied`: the live value is the configured one. Nothing configured is no evidence either way,
 * and neither is a live value that could not be read.
 */
export function appliedOutcome(fact: ParameterConfiguration): { pass: boolean; actual: string } {
  const configured = configuredOf(fact);
  if (typeof configured !== 'string') throw new FactError(`${configured.absent}: there is nothing to compare`);
  // The result adds where the value is set (the matcher's source).
  const said = `configured ${JSON.stringify(configured)}`;
  if ('unknown' in fact.live) {
    const where = configuredSource(fact);
    throw new FactError(`${said} (${where}), but the live value is unknown: ${fact.live.unknown}`);
  }
  if (!fact.live.exists) return { pass: false, actual: `${said}; ${fact.live.reason}` };
  const live = fact.live.value;
  return { pass: sameValue(configured, live), actual: `${said}, live ${JSON.stringify(live)}` };
}

/** As the kernel reads them: "01" and "1" are one number; other values compare as normalised text. */
function sameValue(configured: string, live: string): boolean {
  const number = /^[+-]?\d+$/;
  if (number.test(configured) && number.test(live)) return BigInt(configured) === BigInt(live);
  return configured === live;
}
