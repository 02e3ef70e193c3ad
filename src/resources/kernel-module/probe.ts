import type { Frame } from '../../probe/frames.js';
import type { HostFacts } from '../../probe/host.js';
import { partScript, partsScript, runtimeNamedPart } from '../../probe/parts.js';
import { FactError, readFileParts, readParts, requireRan, stderrSuffix } from '../resource.js';
import {
  configFromFiles,
  configFromShowconfig,
  MODPROBE_DIRECTORIES,
  type ModprobeConfig,
  type ModprobeFile,
} from './modprobe-config.js';
import { parseProcModules, type LoadedModule } from './proc-modules.js';

/** The length of the part name `conf:N` in the shell. */
const CONF_NAME_BYTES = '$((5 + $' + '{#ds_i}))';

/** Exit status of the `proc` part where procfs is not mounted: nothing is known of loaded modules. */
const NO_PROCFS = 3;

/** Exit status of the `proc` part where procfs is mounted but has no modules file: a kernel without module support. */
const NO_MODULE_SUPPORT = 4;

/**
 * One query answers every kernel module check and the snapshot: on a booted host the loaded
 * modules (part `proc`); the modprobe configuration as `modprobe --showconfig` prints it (part
 * `showconfig`), or, without modprobe, every `*.conf` of the modprobe.d directories (parts
 * `conf:N`: the path, a NUL, the content).
 */
export const KERNEL_MODULES_SCRIPT = partsScript([
  `if [ "$DS_BOOTED" != no ]; then
${partScript(
  'proc',
  `[ -d /proc/self ] || { echo 'procfs is not mounted' >&2; exit ${NO_PROCFS}; }
[ -e /proc/modules ] || exit ${NO_MODULE_SUPPORT}
exec cat /proc/modules`,
)}
fi
if ds_has modprobe; then
${partScript('showconfig', 'exec modprobe --showconfig')}
else
  ds_i=0
  for ds_f in ${MODPROBE_DIRECTORIES.map((d) => `${d}/*.conf`).join(' ')}; do
    [ -f "$ds_f" ] || continue
    ds_i=$((ds_i + 1))
${runtimeNamedPart({ word: '"conf:$ds_i"', bytes: CONF_NAME_BYTES }, `printf '%s\\0' "$ds_f"; cat -- "$ds_f"`, {
  inline: true,
})}
  done
fi`,
]);

export interface KernelModules {
  /** Undefined on an image that is not booted (no kernel runs there) or where the list could not be read. */
  loaded?: LoadedModule[];
  /** procfs is mounted but has no /proc/modules: the kernel cannot load modules at all. */
  withoutModuleSupport?: boolean;
  /** Why the loaded modules are not known on a booted host: `loaded` is an error, the configuration still counts. */
  loadedUnknown?: string;
  config: ModprobeConfig;
  /** Where the configuration was read from: `modprobe --showconfig` or `the modprobe.d files`. */
  configSource: string;
}

export function parseKernelModules(frame: Frame, host: HostFacts | undefined): KernelModules {
  const what = 'reading the kernel modules';
  const parts = readParts(frame, what);
  const proc = parts.get('proc');
  if (!proc && host?.booted !== false) throw new FactError(`${what}: the output has no part "proc"`);
  const listing = proc ? readLoaded(proc, what) : {};
  const showconfig = parts.get('showconfig');
  if (showconfig) {
    requireRan(showconfig, 'modprobe --showconfig');
    if (showconfig.exitCode !== 0)
      throw new FactError(`modprobe --showconfig exited ${showconfig.exitCode}${stderrSuffix(showconfig)}`);
    const config = configFromShowconfig(showconfig.stdout.toString('utf8'));
    return { ...listing, config, configSource: 'modprobe --showconfig' };
  }
  const config = configFromFiles(readConfFiles(parts, what));
  return { ...listing, config, configSource: 'the modprobe.d files' };
}

function readLoaded(
  proc: Frame,
  what: string,
): Pick<KernelModules, 'loaded' | 'loadedUnknown' | 'withoutModuleSupport'> {
  if (proc.exitCode === NO_PROCFS) return { loadedUnknown: `${what}${stderrSuffix(proc)}` };
  // No module can be loaded into a kernel built without module support: an empty list is the evidence.
  if (proc.exitCode === NO_MODULE_SUPPORT) return { loaded: [], withoutModuleSupport: true };
  try {
    return { loaded: parseProcModules(proc, `${what} (/proc/modules)`) };
  } catch (error) {
    if (error instanceof FactError) return { loadedUnknown: error.message };
    throw error;
  }
}

function readConfFiles(parts: ReadonlyMap<string, Frame>, what: string): ModprobeFile[] {
  const files: ModprobeFile[] = readFileParts(parts, 'conf:', what);
  const expected = files.length + (parts.has('proc') ? 1 : 0);
  if (parts.size !== expected) throw new FactError(`${what}: the output holds parts that are not modprobe files`);
  return files;
}
