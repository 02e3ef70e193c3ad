import type { Frame } from '../../probe/frames.js';
import { FactError, requireRan, stderrInline, stderrSuffix } from '../resource.js';
import { NO_HTTP_CLIENT, type Request } from './query.js';

export interface HttpResponse {
  tool: 'curl' | 'wget';
  status: number;
  /** "name: value", the name in lower case, in the order received, of the last response. */
  headers: string[];
  body: string;
  /** Whether the body was longer than maxBodyBytes (`body` is then its first maxBodyBytes bytes). */
  truncated: boolean;
}

/** curl exit statuses that are not an answer, worded. */
const CURL_FAILURES: Record<number, string> = {
  6: 'the host name could not be resolved',
  7: 'the connection failed',
  28: 'no answer within the timeout',
  35: 'the TLS handshake failed',
  47: 'too many redirects',
  51: "the server's TLS certificate does not match its name",
  60: "the server's TLS certificate could not be verified (set insecure: true to skip verification)",
  77: 'the CA certificates could not be read, so no TLS certificate can be verified (install ca-certificates)',
};

/** GNU wget exit statuses that are not an answer, worded (8, an error response, is an answer). */
const WGET_FAILURES: Record<number, string> = {
  4: 'a network failure (name resolution, connection or timeout)',
  5: "the server's TLS certificate could not be verified (set insecure: true to skip verification)",
};

interface Sections {
  tool: 'curl' | 'wget';
  exit: number;
  headerText: string;
  body: Buffer;
}

function splitSections(frame: Frame, what: string): Sections {
  const out = frame.stdout;
  const head = /^@@tool (curl|wget)\n@@exit (\d+)\n@@headers\s*(\d+)\n/.exec(out.subarray(0, 200).toString('latin1'));
  if (frame.exitCode !== 0 || !head)
    throw new FactError(`${what}: unexpected output (exit ${frame.exitCode})${stderrSuffix(frame)}`);
  const headerStart = head[0].length;
  const headerEnd = headerStart + Number(head[3]);
  const marker = out.subarray(headerEnd, headerEnd + 7).toString('latin1');
  if (marker !== '@@body\n') throw new FactError(`${what}: the output was cut short`);
  return {
    tool: head[1] as 'curl' | 'wget',
    exit: Number(head[2]),
    headerText: out.subarray(headerStart, headerEnd).toString('latin1'),
    body: out.subarray(headerEnd + 7),
  };
}

/** The last response's status line and fields, from curl's -D file or wget's indented -S lines. */
function lastResponse(lines: readonly string[], what: string): { status: number; headers: string[] } {
  const start = lines.findLastIndex((line) => /^HTTP\/[\d.]+ \d{3}/.test(line));
  if (start === -1) throw new FactError(`${what}: no HTTP response was received`);
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(lines[start]!)![1]);
  const headers = lines
    .slice(start + 1)
    .filter((line) => /^[!#-'*+.^`|~\w-]+:/.test(line))
    .map((line) => {
      const colon = line.indexOf(':');
      return `${line.slice(0, colon).toLowerCase()}: ${line.slice(colon + 1).trim()}`;
    });
  return { status, headers };
}

export function parseResponse(frame: Frame, request: Request): HttpResponse {
  const what = `requesting ${request.url}`;
  requireRan(frame, what);
  if (frame.exitCode === NO_HTTP_CLIENT) throw new FactError(`${what}${stderrSuffix(frame)}`);
  const { tool, exit, headerText, body } = splitSections(frame, what);
  const truncated = body.length > request.maxBodyBytes;
  const lines =
    tool === 'curl'
      ? headerText.split(/\r?\n/)
      : headerText
          .split('\n')
          .filter((line) => line.startsWith('  '))
          .map((line) => line.slice(2).replace(/\r$/, ''));
  // curl 23 and wget 3 are write errors: what `head` does to them once it has the bytes it keeps.
  const cut = truncated && exit === (tool === 'curl' ? 23 : 3);
  const failed = exit !== 0 && !cut && !(tool === 'wget' && exit === 8);
  if (failed) {
    const known = (tool === 'curl' ? CURL_FAILURES : WGET_FAILURES)[exit];
    const said = tool === 'curl' ? stderrInline(frame) : `: ${headerText.trim().split('\n').slice(-2).join(' / ')}`;
    throw new FactError(`${what}: ${tool} exited ${exit}${known ? ` (${known})` : ''}${said === ': ' ? '' : said}`);
  }
  const response = lastResponse(lines, what);
  return {
    tool,
    ...response,
    body: body.subarray(0, request.maxBodyBytes).toString('utf8'),
    truncated,
  };
}
