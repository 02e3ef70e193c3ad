import { spawnSync } from 'node:child_process';
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

/** Runs a shell script as root on the instance with the ssh client, as an administrator would; throws if it fails. */
export function runScriptOverSsh(instance: TestInstance, script: string): void {
  const options = [
    '-i',
    instance.keyPath,
    '-o',
    `UserKnownHostsFile=${instance.knownHostsPath}`,
    '-o',
    'BatchMode=yes',
  ];
  const run = spawnSync('ssh', [...options, '-p', String(instance.port), `root@${instance.address}`, 'sh -s'], {
    input: script,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`script over ssh exited ${run.status}: ${run.stderr}`);
}
