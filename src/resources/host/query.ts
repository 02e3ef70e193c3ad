import { shellQuote } from '../../probe/quote.js';

/** Exit status of the reach query where the target has no way to open a TCP connection. */
export const NO_TCP_TOOL = 3;

/** getent ahosts: the target's own resolver (nsswitch: /etc/hosts, DNS, mDNS …), every address. */
export function resolveScript(name: string): string {
  return `getent ahosts ${shellQuote(name)}`;
}

/**
 * One TCP connection attempt within `timeout` seconds, reported as `@@tool NAME` then the tool's
 * messages and `@@exit STATUS`. bash's /dev/tcp under timeout(1) first (the same meaning
 * everywhere), else `nc -z -w` (OpenBSD, traditional and BusyBox nc all take both flags), also
 * under timeout(1) where it exists, since nc's -w does not bound the name lookup.
 */
export function reachScript(name: string, port: number, timeout: number): string {
  const host = shellQuote(name);
  return `ds_bound() { if command -v timeout >/dev/null 2>&1; then timeout ${timeout + 1} "$@"; else "$@"; fi; }
if command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
  echo '@@tool bash'
  timeout ${timeout} bash -c 'exec 3<>"/dev/tcp/$1/$2"' ds_reach ${host} ${port} 2>&1
elif command -v nc >/dev/null 2>&1; then
  echo '@@tool nc'
  ds_bound nc -z -w ${timeout} ${host} ${port} </dev/null 2>&1
else
  echo 'neither bash with timeout(1) nor nc is available to open a TCP connection' >&2; exit ${NO_TCP_TOOL}
fi
echo "@@exit $?"`;
}
