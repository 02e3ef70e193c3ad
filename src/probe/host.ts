import { z } from 'zod';
import type { Frame } from './frames.js';

export const HOST_QUERY_ID = 'host';

/**
 * The init system an image that is not running would boot with, read from its files: what
 * /sbin/init is (a link to systemd, or no /sbin/init beside an installed systemd), openrc's
 * tools, or init scripts. Nothing runs there, so the markers under /run say nothing.
 */
const IMAGE_INIT_DETECTION = `ds_init=
  [ -e /sbin/init ] && ds_init=$(readlink -f /sbin/init 2>/dev/null)
  case $ds_init in
  */systemd) ds_init=systemd ;;
  '') { [ -x /lib/systemd/systemd ] || [ -x /usr/lib/systemd/systemd ]; } && ds_init=systemd ;;
  esac
  if [ "$ds_init" = systemd ] && ds_has systemctl; then DS_INIT=systemd
  elif ds_has rc-service && ds_has openrc; then DS_INIT=openrc
  elif [ -d /etc/init.d ]; then DS_INIT=sysvinit
  else DS_INIT=none; fi`;

/** Sets the variables every fragment may branch on: one detection per probe, not per check. */
export const HOST_DETECTION = `if ds_has dpkg-query; then DS_PKG=dpkg
elif ds_has rpm; then DS_PKG=rpm
elif ds_has apk; then DS_PKG=apk
elif ds_has pacman; then DS_PKG=pacman
else DS_PKG=none; fi
if [ "$DS_BOOTED" = no ]; then ${IMAGE_INIT_DETECTION}
elif [ -d /run/systemd/system ]; then DS_INIT=systemd
elif [ -d /run/openrc ] && ds_has rc-service; then DS_INIT=openrc
elif [ -d /etc/init.d ]; then DS_INIT=sysvinit
else DS_INIT=none; fi`;

export const HOST_QUERY_SCRIPT = `printf 'package_manager=%s\\ninit_system=%s\\n' "$DS_PKG" "$DS_INIT"
[ "$DS_BOOTED" != no ] || echo booted=no
ds_uid=
# The effective uid from procfs where it is mounted, by the shell itself; id(1) elsewhere.
if [ -r /proc/self/status ]; then
  while read -r ds_k ds_r ds_e ds_rest; do
    if [ "$ds_k" = Uid: ]; then ds_uid=$ds_e; break; fi
  done 2>/dev/null </proc/self/status
fi
case $ds_uid in '' | *[!0-9]*) ds_uid=$(id -u) ;; esac
printf 'uid=%s\\n' "$ds_uid"
set -f; set -- $(uname -s -n -r -m); set +f
if [ $# -eq 4 ]; then printf 'kernel=%s\\nhostname=%s\\nkernel_release=%s\\narch=%s\\n' "$1" "$2" "$3" "$4"
else
printf 'kernel=%s\\n' "$(uname -s)"
printf 'kernel_release=%s\\n' "$(uname -r)"
printf 'arch=%s\\n' "$(uname -m)"
printf 'hostname=%s\\n' "$(uname -n)"
fi
if [ "$DS_BOOTED" != no ]; then
  ds_ct=
  if ds_has systemd-detect-virt; then ds_ct=$(systemd-detect-virt -c 2>/dev/null); fi
  if [ -z "$ds_ct" ]; then
    if [ -e /.dockerenv ]; then ds_ct=docker
    elif [ -e /run/.containerenv ]; then ds_ct=podman
    elif grep -qE '/(docker|kubepods|containerd|lxc|libpod)' /proc/1/cgroup 2>/dev/null; then ds_ct=container-other
    else ds_ct=none; fi
  fi
  printf 'container=%s\\n' "$ds_ct"
fi
echo 'os_release:'
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null || true`;

export const PackageManagerSchema = z.enum(['dpkg', 'rpm', 'apk', 'pacman', 'none']);
export type PackageManager = z.infer<typeof PackageManagerSchema>;
export const InitSystemSchema = z.enum(['systemd', 'openrc', 'sysvinit', 'none']);
export type InitSystem = z.infer<typeof InitSystemSchema>;

export const HostFactsSchema = z.object({
  packageManager: PackageManagerSchema,
  initSystem: InitSystemSchema,
  uid: z.number().int(),
  kernel: z.string(),
  kernelRelease: z.string(),
  arch: z.string(),
  hostname: z.string(),
  /** Present, and false, only for an image's root that is not running: its facts are what it configures. */
  booted: z.literal(false).optional(),
  /**
   * The container the host runs in (`docker`, `podman`, `lxc` …) or `none`; absent for an image's
   * root that is not running, and from results recorded before it was gathered.
   */
  container: z.string().min(1).optional(),
  os: z.object({
    id: z.string(),
    idLike: z.array(z.string()),
    versionId: z.string().optional(),
    prettyName: z.string().optional(),
  }),
});
export type HostFacts = z.infer<typeof HostFactsSchema>;

export function parseHostFrame(frame: Frame): HostFacts {
  const text = frame.stdout.toString('utf8');
  const [head = '', osRelease = ''] = text.split(/^os_release:\n/m);
  const fields = parseKeyValueLines(head, '=');
  const os = parseOsRelease(osRelease);
  return HostFactsSchema.parse({
    packageManager: fields.get('package_manager'),
    initSystem: fields.get('init_system'),
    uid: Number(fields.get('uid')),
    kernel: fields.get('kernel') ?? '',
    kernelRelease: fields.get('kernel_release') ?? '',
    arch: fields.get('arch') ?? '',
    hostname: fields.get('hostname') ?? '',
    ...(fields.get('booted') === 'no' ? { booted: false } : {}),
    ...(fields.get('container') ? { container: fields.get('container') } : {}),
    os: {
      id: os.get('ID') ?? 'unknown',
      idLike: (os.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean),
      versionId: os.get('VERSION_ID'),
      prettyName: os.get('PRETTY_NAME'),
    },
  });
}

function parseKeyValueLines(text: string, separator: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(separator);
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

/** os-release values may be quoted shell-style; the format forbids expansions. */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [key, raw] of parseKeyValueLines(text, '=')) {
    if (!/^[A-Z0-9_]+$/.test(key)) continue;
    fields.set(key, unquoteOsReleaseValue(raw.trim()));
  }
  return fields;
}

function unquoteOsReleaseValue(raw: string): string {
  const quote = raw[0];
  if ((quote === '"' || quote === "'") && raw.endsWith(quote) && raw.length >= 2) {
    const inner = raw.slice(1, -1);
    return quote === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
  }
  return raw;
}
