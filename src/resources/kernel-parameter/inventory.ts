import { listingFailure, LISTING_UNSUPPORTED, SECTION_MARK, stderrText } from '../inventory-listing.js';
import {
  mapCollection,
  type InventoryGap,
  type InventoryPart,
  type KeyValue,
  type Listed,
  type SnapshotView,
} from '../inventory-part.js';
import { normaliseValue } from '../kernel-parameter/index.js';
import { FactError, firstLines, readParts, requireRan } from '../resource.js';
import { CONFIGURED_PARAMETERS_SCRIPT, configuredParameterItems } from './image.js';

const KIND = 'kernelParameters';

/** Kernel parameters that count, randomise or adapt by themselves (dotted keys; `*` spans dots). */
export const DEFAULT_KERNEL_PARAMETER_IGNORES: readonly string[] = [
  'kernel.random.*',
  'kernel.ns_last_pid',
  'kernel.pty.nr',
  'kernel.hostname',
  'kernel.perf_event_max_sample_rate',
  'fs.dentry-state',
  'fs.inode-nr',
  'fs.inode-state',
  'fs.file-nr',
  'fs.aio-nr',
  'fs.dquot-nr',
  'fs.quota.*',
  'net.netfilter.nf_conntrack_count',
  'net.core.netdev_rss_key',
  'net.ipv4.tcp_fastopen_key',
  'net.ipv6.conf.*.stable_secret',
  'vm.stat_refresh',
];

/**
 * On an image that is not booted, the values it configures (image.ts); otherwise
 * `sysctl -a` (one process) where it exists; otherwise every readable file under /proc/sys, one
 * `cat` each, as NUL-terminated records: path, value, exit status.
 */
export const KERNEL_PARAMETERS_SCRIPT = `if [ "$DS_BOOTED" = no ]; then
${CONFIGURED_PARAMETERS_SCRIPT}
exit 0
fi
[ -d /proc/sys/kernel ] || \
{ echo '/proc/sys is not available (procfs is not mounted)' >&2; exit ${LISTING_UNSUPPORTED}; }
if ds_has sysctl; then
  echo '${SECTION_MARK} sysctl'
  sysctl -a
else
  echo '${SECTION_MARK} walk'
  cd /proc/sys && find . -type f -perm -0400 \
-exec sh -c 'for f; do printf "%s\\000" "$f"; cat -- "$f" 2>&1; printf "\\000%s\\000" "$?"; done' sh {} +
fi`;

/** Dotted sysctl keys ("net.ipv4.ip_forward") → value as read, runs of whitespace made one space. */
export const kernelParameterInventory: InventoryPart<KeyValue, Record<string, string>> = {
  kind: KIND,
  noun: 'kernel parameter',
  onImage: { holds: 'the values the image configures (sysctl.d, sysctl.conf), not live ones' },
  listing: {
    type: 'framed',
    id: 'snapshot-kernel-parameters',
    script: KERNEL_PARAMETERS_SCRIPT,
    read: (frame, { ignored, host }) => {
      const what = 'reading the kernel parameters';
      requireRan(frame, what);
      if (host.booted === false) {
        const items = configuredParameterItems(readParts(frame, what), what);
        return { items: items.filter((item) => !ignored(item.key)), gaps: [] };
      }
      const text = frame.stdout.toString('utf8');
      const mark = new RegExp(`^${SECTION_MARK} (sysctl|walk)\\n`).exec(text);
      if (frame.exitCode === LISTING_UNSUPPORTED || !mark) throw listingFailure(frame, what);
      const body = text.slice(mark[0].length);
      const read = mark[1] === 'sysctl' ? parseSysctlOutput : parseProcSysWalk;
      const all = read(body, stderrText(frame), frame.exitCode);
      return {
        items: all.items.filter((item) => !ignored(item.key)),
        gaps: all.gaps.filter((gap) => gap.path === undefined || !ignored(gap.path)),
      };
    },
  },
  collection: mapCollection(),
  identity: (p) => p.key,
  // Interfaces come and go (veth pairs, bridges, tunnels): their keys count only where both have the interface.
  looked: (snapshot, key) => {
    const name = interfaceOfKey(key);
    return name === undefined || hasInterface(snapshot, name);
  },
  attributes: ['value'],
  unique: true,
  ignore: {
    field: KIND,
    defaults: DEFAULT_KERNEL_PARAMETER_IGNORES,
    takesIgnoreOption: false,
    match: 'name',
    subject: (p) => p.key,
    leftOut: 'these parameters out',
  },
};

/**
 * The network interface a key belongs to (`net.ipv4.conf.veth1.forwarding`,
 * `net.ipv6.neigh.eth0.retrans_time_ms`, `net.mpls.conf.eth0.input`); none for other keys and for
 * `all` and `default`, which are not interfaces. A dot in an interface name is a `/` in its key.
 */
export function interfaceOfKey(key: string): string | undefined {
  const name = /^net\.[^.]+\.(?:conf|neigh)\.([^.]+)\./.exec(key)?.[1];
  return name === 'all' || name === 'default' ? undefined : name;
}

function hasInterface(snapshot: SnapshotView, name: string): boolean {
  const parameters = (snapshot[KIND] ?? {}) as Record<string, string>;
  return Object.keys(parameters).some((key) => interfaceOfKey(key) === name);
}

/**
 * `sysctl -a`: "key = value" lines; a value of several lines repeats the key on each. Keys it
 * cannot read are named on stderr; write-only keys it skips by itself.
 */
export function parseSysctlOutput(body: string, stderr: string, exitCode: number): Listed<KeyValue> {
  const raw = new Map<string, string[]>();
  let previous: string[] | undefined;
  for (const line of body.split('\n')) {
    if (line === '') continue;
    const at = line.indexOf(' = ');
    const key = at === -1 ? (line.endsWith(' =') ? line.slice(0, -2) : undefined) : line.slice(0, at);
    if (key === undefined || !/^[^\s=]+$/.test(key)) {
      // busybox prints the further lines of a value as they are, without the key.
      if (previous === undefined) {
        throw new FactError(
          `reading the kernel parameters: unexpected sysctl line ${JSON.stringify(line.slice(0, 200))}`,
        );
      }
      previous.push(line);
      continue;
    }
    previous = raw.get(key) ?? [];
    previous.push(at === -1 ? '' : line.slice(at + 3));
    raw.set(key, previous);
  }
  const items = [...raw].map(([key, parts]) => ({ key, value: normaliseValue(parts.join('\n')) }));
  const gaps: InventoryGap[] = [];
  for (const line of stderr.split('\n')) {
    if (line.trim() === '') continue;
    const key = /key ['"]([^'"]+)['"]/.exec(line)?.[1];
    gaps.push(key === undefined ? { kind: KIND, reason: line } : { kind: KIND, path: key, reason: line });
  }
  if (exitCode !== 0 && gaps.length === 0)
    gaps.push({ kind: KIND, reason: `sysctl -a exited ${exitCode} without saying why` });
  if (raw.size === 0) {
    throw new FactError(
      `reading the kernel parameters: sysctl -a listed none${stderr ? `: ${firstLines(stderr, 3)}` : ''}`,
    );
  }
  return { items, gaps };
}

/** The fallback walk: NUL-terminated "./path", value (or cat's error), exit status records. */
export function parseProcSysWalk(body: string, stderr: string, exitCode: number): Listed<KeyValue> {
  const fields = body.split('\0');
  if (fields.at(-1) === '') fields.pop();
  if (fields.length % 3 !== 0) throw new FactError('reading the kernel parameters: the /proc/sys walk was cut short');
  const items: KeyValue[] = [];
  const gaps: InventoryGap[] = [];
  for (let i = 0; i < fields.length; i += 3) {
    const [path = '', value = '', status = ''] = fields.slice(i, i + 3);
    if (!path.startsWith('./') || !/^\d+$/.test(status)) {
      throw new FactError(`reading the kernel parameters: unexpected record ${JSON.stringify(path.slice(0, 200))}`);
    }
    const key = path
      .slice(2)
      .split('/')
      .map((part) => part.replace(/\./g, '/'))
      .join('.');
    if (status === '0') items.push({ key, value: normaliseValue(value) });
    else gaps.push({ kind: KIND, path: key, reason: value.trim() || `cat exited ${status}` });
  }
  if (exitCode !== 0 && gaps.length === 0) {
    const said = stderr ? `: ${firstLines(stderr, 3)}` : '';
    gaps.push({ kind: KIND, reason: `the /proc/sys walk exited ${exitCode}${said}` });
  }
  return { items, gaps };
}
