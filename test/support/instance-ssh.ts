import { readFileSync } from 'node:fs';
import { parseKnownHosts } from '../../src/targets/known-hosts.js';
import { loadIdentity } from '../../src/targets/ssh-credentials.js';
import { SshTarget } from '../../src/targets/ssh.js';
import type { TestInstance } from './testbed.js';

/** An SSH target logging in to a booted test instance as root, its host keys verified. */
export function instanceSshTarget(instance: TestInstance): SshTarget {
  return new SshTarget({
    address: { kind: 'ssh', user: 'root', host: instance.address, port: instance.port },
    credentials: { identities: [loadIdentity(instance.keyPath)] },
    hostKeys: {
      knownHosts: parseKnownHosts(readFileSync(instance.knownHostsPath, 'utf8'), 'test-known-hosts'),
      knownHostsFiles: ['test-known-hosts'],
      pins: [],
      acceptNew: false,
    },
    connectTimeoutMs: 10_000,
  });
}
