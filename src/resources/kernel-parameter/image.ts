import type { Frame } from '../../probe/frames.js';
import { runtimeNamedPart } from '../../probe/parts.js';
import type { KeyValue } from '../inventory-part.js';
import { FactError, NotApplicableError, requireRan, stderrSuffix } from '../resource.js';
import {
  configuredValue,
  describeSource,
  parseSysctlFiles,
  SYSCTL_CONF,
  SYSCTL_DIRECTORIES,
  type SysctlFile,
} from './configured.js';
import { normaliseValue, type KernelParameter } from './fact.js';

export const NOT_CONFIGURED_REASON = "not configured in the image: the kernel's default applies at boot";

const FILE_KINDS = ['file', 'masked', 'sysctl.conf', 'directory'] as const;

/**
 * Every candidate sysctl file of an image that is not running, each a part `sysctl:N` (N counts
 * from 1): its kind and path, a NUL, then its content. `-ef` tells the links that mask (to
 * /dev/null) and Debian's link to /etc/sysctl.conf, inside the image. Which of them count, and in
 * what order, is decided by the parser (configured.ts), not here.
 */
export const SYSCTL_FILES_SCRIPT = `ds_i=0
for ds_f in ${SYSCTL_DIRECTORIES.map((d) => `${d}/*.conf`).join(' ')} ${SYSCTL_CONF}; do
  [ -e "$ds_f" ] || [ -L "$ds_f" ] || continue
  ds_i=$((ds_i + 1))
${runtimeNamedPart(
  { word: '"sysctl:$ds_i"', bytes: '$((7 + ${#ds_i}))' },
  `if [ -d "$ds_f" ]; then printf 'directory %s\\0' "$ds_f"
elif [ "$ds_f" -ef /dev/null ]; then printf 'masked %s\\0' "$ds_f"
elif [ "$ds_f" != ${SYSCTL_CONF} ] && [ "$ds_f" -ef ${SYSCTL_CONF} ]; then
  printf 'sysctl.conf %s\\0' "$ds_f"; cat -- "$ds_f"
else printf 'file %s\\0' "$ds_f"; cat -- "$ds_f"; fi`,
  { inline: true },
)}
done`;

export const CONFIGURED_PARAMETERS_SCRIPT = `${SYSCTL_FILES_SCRIPT}\nds_parts_out`;

/** The value the image configures for `key`, or not applicable where it configures none. */
export function parseConfiguredParameter(
  parts: ReadonlyMap<string, Frame>,
  key: string,
  what: string,
): KernelParameter {
  const configured = configuredValue(parseSysctlFiles(readSysctlFiles(parts, what)), key);
  if (configured === undefined) throw new NotApplicableError(NOT_CONFIGURED_REASON);
  if ('excluded' in configured) {
    throw new NotApplicableError(
      `${NOT_CONFIGURED_REASON} (${describeSource(configured)} excludes it from the glob patterns)`,
    );
  }
  return { exists: true, value: normaliseValue(configured.value), configuredBy: describeSource(configured) };
}

/**
 * Every key an image configures, dotted (`net.ipv4.ip_forward`), with the value that wins; a
 * glob pattern is recorded as written (`net.ipv4.conf.*.rp_filter`): which keys it reaches is the
 * booted kernel's to say. Keys excluded with `-key` set nothing and are not recorded.
 */
export function configuredParameterItems(parts: ReadonlyMap<string, Frame>, what: string): KeyValue[] {
  const configuration = parseSysctlFiles(readSysctlFiles(parts, what));
  const items: KeyValue[] = [];
  for (const [path, entry] of [...configuration.explicit, ...configuration.globs]) {
    if ('excluded' in entry) continue;
    items.push({ key: dottedKey(path), value: normaliseValue(entry.value) });
  }
  return items;
}

/** `net/ipv4/conf/eth0.100/rp_filter` → `net.ipv4.conf.eth0/100.rp_filter`, as the snapshot spells keys. */
function dottedKey(path: string): string {
  return path
    .split('/')
    .map((part) => part.replace(/\./g, '/'))
    .join('.');
}

/**
 * The files in the probe's order; a file that could not be read leaves the configuration unknown.
 * `otherParts` are the query's parts that are not files (the live values beside them).
 */
export function readSysctlFiles(
  parts: ReadonlyMap<string, Frame>,
  what: string,
  otherParts: readonly string[] = [],
): SysctlFile[] {
  const files: SysctlFile[] = [];
  for (let index = 1; parts.has(`sysctl:${index}`); index++) {
    const part = parts.get(`sysctl:${index}`)!;
    requireRan(part, what);
    const stdout = part.stdout.toString('utf8');
    const nul = stdout.indexOf('\0');
    const head = /^(\S+) (.*)$/s.exec(nul === -1 ? '' : stdout.slice(0, nul));
    const kind = head?.[1] as SysctlFile['kind'] | undefined;
    if (!head || !kind || !FILE_KINDS.includes(kind))
      throw new FactError(`${what}: unexpected output ${JSON.stringify(stdout.slice(0, 200))}`);
    const path = head[2]!;
    if (part.exitCode !== 0) throw new FactError(`${what}: reading ${path} failed${stderrSuffix(part)}`);
    files.push({ path, kind, content: stdout.slice(nul + 1) });
  }
  const others = otherParts.filter((name) => parts.has(name)).length;
  if (parts.size !== files.length + others)
    throw new FactError(`${what}: the output holds parts that are not sysctl files`);
  return files;
}
