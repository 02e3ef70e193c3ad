import { shellQuote } from '../../probe/quote.js';

/** Exit status of the lookup where the target has no tool whose answer driftspec reads. */
export const NO_DNS_TOOL = 3;

export interface Lookup {
  name: string;
  type: string;
  server?: string | undefined;
  timeout: number;
}

/**
 * One lookup, after a line `@@tool dig|host`: dig with the header comments (the response status
 * tells NXDOMAIN from SERVFAIL, which `dig +short` hides) and the answer section, else host(1).
 * nslookup's output differs between BIND and BusyBox and is not read: it is named in the error.
 */
export function lookupScript(lookup: Lookup): string {
  const name = shellQuote(lookup.name);
  const type = shellQuote(lookup.type);
  const atServer = lookup.server ? ` ${shellQuote(`@${lookup.server}`)}` : '';
  const server = lookup.server ? ` ${shellQuote(lookup.server)}` : '';
  return `if command -v dig >/dev/null 2>&1; then
  echo '@@tool dig'
  exec dig +noall +comments +answer +time=${lookup.timeout} +tries=1${atServer} -t ${type} -q ${name}
elif command -v host >/dev/null 2>&1; then
  echo '@@tool host'
  exec host -W ${lookup.timeout} -t ${type} ${name}${server}
elif command -v nslookup >/dev/null 2>&1; then
  echo 'only nslookup is installed, whose output driftspec does not read:' \
    'install dig or host (dnsutils, bind-tools)' >&2
  exit ${NO_DNS_TOOL}
fi
echo 'neither dig nor host (nor nslookup) is installed on the target (dnsutils, bind-tools)' >&2
exit ${NO_DNS_TOOL}`;
}
