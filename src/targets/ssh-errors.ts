// How socket and ssh2 failures map to the kinds of unreachable host, with messages naming the host.
import { TargetUnreachableError, type UnreachableKind } from './target.js';

/** Errors ssh2 reports while it goes on authenticating (agent trouble, one key failing to sign). */
export function isFatalClientError(error: Error & { level?: string }): boolean {
  if (error.level === 'agent') return false;
  if (error.level === 'client-authentication') return error.message === 'All configured authentication methods failed';
  return true;
}

const NETWORK_CODES: Record<string, UnreachableKind> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  EHOSTUNREACH: 'network',
  ENETUNREACH: 'network',
  EHOSTDOWN: 'network',
  ENETDOWN: 'network',
  ECONNRESET: 'network',
  ECONNABORTED: 'network',
  EPIPE: 'network',
};

const NETWORK_WORDS: Record<UnreachableKind, string> = {
  refused: 'connection refused (nothing listens on that port, or a firewall rejects it)',
  timeout: 'the operating system gave up connecting (timed out)',
  dns: 'the name does not resolve',
  network: 'the network path failed',
  auth: 'authentication failed',
  'host-key': 'host key rejected',
  other: 'connection failed',
};

function errorCode(error: Error): string | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code) return code;
  // Happy eyeballs (autoSelectFamily) reports every address's failure together.
  const first = (error as Partial<AggregateError>).errors?.[0] as NodeJS.ErrnoException | undefined;
  return first?.code;
}

export function classifyNetworkError(error: Error, label: string): TargetUnreachableError {
  const code = errorCode(error);
  const kind = (code && NETWORK_CODES[code]) || 'other';
  return new TargetUnreachableError(
    kind,
    `cannot connect to ${label}: ${NETWORK_WORDS[kind]} [${code ?? error.message}]`,
  );
}

export function classifyClientError(
  error: Error & { level?: string },
  label: string,
  authSummary: string,
): TargetUnreachableError {
  if (error.level === 'client-authentication' || /authentication/i.test(error.message)) {
    return new TargetUnreachableError('auth', `${label} refused the login ${authSummary}`);
  }
  if (error.level === 'client-socket') return classifyNetworkError(error, label);
  if (error.level === 'client-timeout')
    return new TargetUnreachableError('timeout', `${label} stopped answering: ${error.message}`);
  if (error.level === 'handshake')
    return new TargetUnreachableError('other', `the SSH handshake with ${label} failed: ${error.message}`);
  const hint = /before handshake/i.test(error.message) ? ` ${CLOSED_BEFORE_GREETING}` : '';
  return new TargetUnreachableError('network', `the SSH connection to ${label} failed: ${error.message}${hint}`);
}

/** ssh2's "Connection lost before handshake": TCP was accepted, then closed with no SSH greeting. */
const CLOSED_BEFORE_GREETING =
  '(the far end closed the connection without an SSH greeting: no SSH server answers there, ' +
  'or sshd turned this client away, as MaxStartups or a TCP wrapper does)';
