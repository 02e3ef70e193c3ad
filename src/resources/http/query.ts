import { shellQuote } from '../../probe/quote.js';

/** Exit status of the request where the target has no client driftspec can use. */
export const NO_HTTP_CLIENT = 3;

export interface Request {
  url: string;
  method: 'GET' | 'HEAD';
  followRedirects: boolean;
  insecure: boolean;
  timeout: number;
  maxBodyBytes: number;
}

/** At most this many redirects are followed where following is on. */
export const MAX_REDIRECTS = 10;

function curlCommand(r: Request): string {
  const flags = [
    '-sS',
    '-D "$ds_t/h"',
    r.method === 'HEAD' ? '-I -o /dev/null' : '-o -',
    `--max-time ${r.timeout}`,
    r.followRedirects ? `-L --max-redirs ${MAX_REDIRECTS}` : '',
    r.insecure ? '-k' : '',
  ];
  return `curl ${flags.filter(Boolean).join(' ')} ${shellQuote(r.url)} 2>"$ds_t/e"`;
}

/** GNU wget: -S writes the response headers to stderr, each line indented by two spaces. */
function wgetCommand(r: Request): string {
  const flags = [
    '-nv',
    '-S',
    '-O -',
    '--content-on-error',
    `--timeout=${r.timeout}`,
    '--tries=1',
    `--max-redirect=${r.followRedirects ? MAX_REDIRECTS : 0}`,
    r.insecure ? '--no-check-certificate' : '',
    r.method === 'HEAD' ? '--method=HEAD' : '',
  ];
  return `wget ${flags.filter(Boolean).join(' ')} ${shellQuote(r.url)} 2>"$ds_t/h"`;
}

/**
 * One request in a private temporary directory: `@@tool curl|wget`, `@@exit STATUS`, `@@headers
 * BYTES` and the header bytes (curl's -D file; wget's -S stderr), curl's messages on stderr, then
 * `@@body` and at most maxBodyBytes + 1 bytes of the body (one more tells a cut body from a whole
 * one; `head` closing the pipe early is how the body stays bounded). BusyBox wget is refused: it
 * reports no status for error responses and cannot keep from following redirects.
 */
export function requestScript(r: Request): string {
  const bounded = (command: string) =>
    `{ ${command}; echo $? >"$ds_t/rc"; } | head -c ${r.maxBodyBytes + 1} >"$ds_t/b"`;
  return `ds_t=$(mktemp -d 2>/dev/null) || { echo 'mktemp -d failed on the target' >&2; exit 4; }
trap 'rm -rf "$ds_t"' EXIT
if command -v curl >/dev/null 2>&1; then
  echo '@@tool curl'
  ${bounded(curlCommand(r))}
elif command -v wget >/dev/null 2>&1 && ! wget --help 2>&1 | grep -q BusyBox; then
  echo '@@tool wget'
  ${bounded(wgetCommand(r))}
else
  if command -v wget >/dev/null 2>&1; then
    echo 'only BusyBox wget is installed, which reports no status for error responses' \
      'and always follows redirects: install curl' >&2
  else
    echo 'neither curl nor wget is installed on the target' >&2
  fi
  exit ${NO_HTTP_CLIENT}
fi
[ -f "$ds_t/e" ] && cat "$ds_t/e" >&2
printf '@@exit %s\\n@@headers %s\\n' "$(cat "$ds_t/rc")" "$(wc -c <"$ds_t/h" 2>/dev/null || echo 0)"
cat "$ds_t/h" 2>/dev/null
printf '@@body\\n'
cat "$ds_t/b"`;
}
