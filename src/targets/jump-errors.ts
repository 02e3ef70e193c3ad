// Failures on the way through jump hosts, named by the hop that failed.
import { TargetUnreachableError, type UnreachableKind } from './target.js';

/** An unreachable hop's error, with the jump host it happened at in front: the kind stays. */
export function viaJumpHost(jumpHostName: string, error: TargetUnreachableError): TargetUnreachableError {
  return new TargetUnreachableError(error.kind, `via jump host ${jumpHostName}: ${error.message}`);
}

/** RFC 4254: the jump host's sshd does not allow the forwarding (AllowTcpForwarding no, PermitOpen). */
const ADMINISTRATIVELY_PROHIBITED = 1;

/**
 * sshd answers a direct-tcpip channel it cannot connect with the reason code and its
 * strerror() text ("Connection refused", "No route to host", a resolver message).
 */
const DESCRIPTIONS: [RegExp, UnreachableKind, string][] = [
  [/refused/i, 'refused', 'connection refused (nothing listens on that port, or a firewall rejects it)'],
  [/timed out/i, 'timeout', 'the jump host gave up connecting (timed out)'],
  [/name|resolv|lookup|getaddrinfo|nodename/i, 'dns', 'the name does not resolve on the jump host'],
  [/no route|unreachable|network is down|host is down|reset/i, 'network', 'the network path failed'],
];

export function classifyForwardError(error: Error & { reason?: unknown }, label: string): TargetUnreachableError {
  const description = error.message.replace(/^\(SSH\) Channel open failure: /, '');
  if (error.reason === ADMINISTRATIVELY_PROHIBITED) {
    return new TargetUnreachableError(
      'other',
      `cannot connect to ${label}: the jump host does not allow forwarding there (AllowTcpForwarding or PermitOpen ` +
        `in its sshd_config) [${description}]`,
    );
  }
  const known = DESCRIPTIONS.find(([pattern]) => pattern.test(description));
  const [, kind, words] = known ?? [undefined, 'other' as const, 'the jump host could not connect'];
  return new TargetUnreachableError(kind, `cannot connect to ${label}: ${words} [${description}]`);
}
