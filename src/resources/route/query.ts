/** Exit status of the route query when neither iproute2's JSON nor /proc/net/route is there. */
export const NO_ROUTE_SOURCE = 3;

/**
 * The main routing table of both families, after a first line naming the source: `ip -j route`
 * (iproute2 4.14 or later) where it works, else /proc/net/route and /proc/net/ipv6_route. IPv6
 * may be missing from the kernel; its section then says so instead of listing nothing.
 */
export const ROUTES_SCRIPT = `if ds_4=$(ip -j -4 route show 2>/dev/null) && [ -n "$ds_4" ]; then
  printf '@@source ip\\n%s\\n' "$ds_4"
  if ds_6=$(ip -j -6 route show 2>/dev/null) && [ -n "$ds_6" ] && [ -e /proc/net/ipv6_route ]; then
    printf '@@ipv6\\n%s\\n' "$ds_6"
  else printf '@@no-ipv6\\n'; fi
  exit 0
fi
if [ ! -r /proc/net/route ]; then
  echo 'neither ip -j (iproute2) nor /proc/net/route is available' >&2; exit ${NO_ROUTE_SOURCE}
fi
printf '@@source proc\\n'; cat /proc/net/route || exit
if [ -r /proc/net/ipv6_route ]; then printf '@@ipv6\\n'; cat /proc/net/ipv6_route; else printf '@@no-ipv6\\n'; fi`;
