/** Exit status of the interface query when neither iproute2's JSON nor /sys/class/net is there. */
export const NO_INTERFACE_SOURCE = 3;

/**
 * Every interface at once, after a first line naming the source. `ip -j addr` (iproute2 4.14 or
 * later) where it works; else one `@@if NAME` block per /sys/class/net entry (the kernel refuses
 * blanks, "/" and ":" in interface names, so a name cannot break a line) and /proc/net/if_inet6
 * for the IPv6 addresses. Busybox's `ip` has no `-j`: it fails and the /sys branch answers.
 */
export const INTERFACES_SCRIPT = `if ds_ip=$(ip -j addr show 2>/dev/null) && [ -n "$ds_ip" ]; then
  printf '@@source ip\\n%s\\n' "$ds_ip"; exit 0
fi
if [ ! -d /sys/class/net ]; then
  echo 'neither ip -j (iproute2) nor /sys/class/net is available' >&2; exit ${NO_INTERFACE_SOURCE}
fi
printf '@@source sys\\n'
for ds_d in /sys/class/net/*; do
  [ -e "$ds_d/flags" ] || continue
  printf '@@if %s\\n' "\${ds_d##*/}"
  for ds_a in flags operstate mtu address; do
    printf '%s=' "$ds_a"; cat "$ds_d/$ds_a" 2>/dev/null || echo
  done
done
if [ -r /proc/net/if_inet6 ]; then printf '@@inet6\\n'; cat /proc/net/if_inet6; fi`;
