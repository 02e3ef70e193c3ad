import {
  describeHostKey,
  entryMatchesName,
  fingerprintOf,
  knownHostsName,
  type KnownHostEntry,
} from './known-hosts.js';

/** How a host's key is judged. Checking is never off: some rule must vouch for every key. */
export interface HostKeyPolicy {
  /** Entries of the known_hosts files that were read. */
  knownHosts: readonly KnownHostEntry[];
  /** Those files, named in messages. */
  knownHostsFiles: readonly string[];
  /** `SHA256:…` fingerprints; when present they alone decide (known_hosts still revokes). */
  pins: readonly string[];
  /** Trust a host that known_hosts does not know at all; never a host whose key changed. */
  acceptNew: boolean;
}

export type HostKeyDecision =
  | { accepted: true; how: 'known' | 'pinned' | 'accepted-new'; fingerprint: string }
  | { accepted: false; message: string };

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Accepts a fingerprint exactly as `ssh-keygen -lf` prints it (a trailing `=` is tolerated). */
export function parseFingerprint(text: string): string {
  const trimmed = text.trim().replace(/=$/, '');
  if (!FINGERPRINT.test(trimmed)) {
    throw new Error(
      `expected a SHA256 fingerprint as "ssh-keygen -lf" prints it (SHA256: and 43 base64 characters), got "${text}"`,
    );
  }
  return trimmed;
}

/** `host:port`, with brackets around an IPv6 address. */
export function hostLabel(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function decideHostKey(policy: HostKeyPolicy, host: string, port: number, presented: Buffer): HostKeyDecision {
  const label = hostLabel(host, port);
  const fingerprint = fingerprintOf(presented);
  const revoked = policy.knownHosts.find((entry) => entry.marker === 'revoked' && entry.key.equals(presented));
  if (revoked) {
    return {
      accepted: false,
      message:
        `the host key of ${label} (${describeHostKey(presented)}) is marked @revoked in ${revoked.source}; ` +
        `refusing to connect`,
    };
  }
  if (policy.pins.length > 0) {
    if (policy.pins.includes(fingerprint)) return { accepted: true, how: 'pinned', fingerprint };
    return {
      accepted: false,
      message:
        `host key mismatch for ${label}: expected ${policy.pins.join(' or ')} (--host-key) but the host presented ` +
        `${describeHostKey(presented)}. ` +
        'If the host was rebuilt, verify its new key and update the pin; otherwise the connection may be intercepted',
    };
  }
  const name = knownHostsName(host, port);
  const entries = hostEntries(policy, name);
  if (entries.some((entry) => entry.key.equals(presented))) return { accepted: true, how: 'known', fingerprint };
  if (entries.length > 0) {
    const expected = entries.map((entry) => `${describeHostKey(entry.key)} (${entry.source})`).join(', ');
    return {
      accepted: false,
      message:
        `host key mismatch for ${label}: known_hosts expects ${expected} but the host presented ` +
        `${describeHostKey(presented)}. ` +
        `If the host was rebuilt, verify its new key, then remove the old entry (ssh-keygen -R '${name}') or pin ` +
        `the new one with --host-key; ` +
        'otherwise the connection may be intercepted. --accept-new-host-keys never accepts a changed key',
    };
  }
  if (policy.acceptNew) return { accepted: true, how: 'accepted-new', fingerprint };
  const files = policy.knownHostsFiles.length > 0 ? policy.knownHostsFiles.join(', ') : 'no known_hosts file';
  return {
    accepted: false,
    message:
      `the host key of ${label} is not known (it presented ${describeHostKey(presented)}; looked up "${name}" in ` +
      `${files}). ` +
      `Verify the key, then add it to a known_hosts file (--known-hosts FILE), pin it with --host-key ` +
      `${fingerprint}, ` +
      'or pass --accept-new-host-keys to trust hosts on first contact',
  };
}

/**
 * Host key algorithms to offer, the types known_hosts holds for this host first (as OpenSSH
 * orders them), so a host with several keys presents the one we can check.
 */
export function preferredHostKeyAlgorithms(policy: HostKeyPolicy, host: string, port: number): string[] {
  const knownTypes = new Set(hostEntries(policy, knownHostsName(host, port)).map((entry) => entry.keyType));
  const known = DEFAULT_HOST_KEY_ALGORITHMS.filter((algorithm) => knownTypes.has(keyTypeOfAlgorithm(algorithm)));
  return [...known, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((algorithm) => !known.includes(algorithm))];
}

/** ssh2's default offer, in its order. */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function keyTypeOfAlgorithm(algorithm: string): string {
  return algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm;
}

function hostEntries(policy: HostKeyPolicy, name: string): KnownHostEntry[] {
  return policy.knownHosts.filter((entry) => entry.marker === undefined && entryMatchesName(entry, name));
}
