/** The command lines the benchmark times: the OpenSSH floor, driftspec, and the peers. */
import { fileURLToPath } from 'node:url';
import type { DriftspecBuild } from './builds.js';
import type { Invocation } from './measure.js';
import type { BenchInstance } from './testbed.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH = `${ROOT}bench/`;

/** OpenSSH with no user config: key, known_hosts, strict host key checking; one fresh connection. */
export function opensshArgs(instance: BenchInstance): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    instance.keyPath,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${instance.knownHostsPath}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
    `root@${instance.address}`,
  ];
}

/** The floor: one exec of the hand-written probe, fed on stdin to `sh -s`. */
export function floorRun(instance: BenchInstance, probe: string): Invocation {
  return { command: 'ssh', args: [...opensshArgs(instance), 'sh', '-s'], stdinFile: `${BENCH}floor/${probe}` };
}

/**
 * A build's `node bin/driftspec run` against the instances, every host key checked against its
 * known_hosts; `timings` adds `--timings` (the phase timeline on stderr; builds before it lack it).
 */
export function driftspecRun(
  instances: readonly BenchInstance[],
  spec: string,
  build: DriftspecBuild,
  timings = false,
): Invocation {
  const args = [
    'bin/driftspec',
    'run',
    '--no-ssh-config',
    '--no-progress',
    '--format',
    'json',
    '-i',
    instances[0]!.keyPath,
    '--concurrency',
    String(Math.max(1, instances.length)),
  ];
  for (const instance of instances)
    args.push('-t', `ssh://root@${instance.address}`, '--known-hosts', instance.knownHostsPath);
  if (timings) args.push('--timings');
  args.push(`${BENCH}specs/${spec}`);
  return { command: process.execPath, args, cwd: build.root, env: build.env };
}

export function serverspecRun(instance: BenchInstance): Invocation {
  return {
    command: 'rspec',
    args: [],
    cwd: `${BENCH}peers/serverspec`,
    env: {
      ...process.env,
      TARGET_HOST: instance.address,
      TARGET_KEY: instance.keyPath,
      TARGET_KNOWN_HOSTS: instance.knownHostsPath,
    },
  };
}

/** Testinfra's default SSH backend: the OpenSSH client, one connection per command. */
export function testinfraRun(instance: BenchInstance): Invocation {
  return {
    command: '/usr/bin/python3',
    args: [
      '-m',
      'pytest',
      '-q',
      '-p',
      'no:cacheprovider',
      `--hosts=ssh://root@${instance.address}`,
      `--ssh-config=${instance.sshConfigPath}`,
      'test_bench.py',
    ],
    cwd: `${BENCH}peers/testinfra`,
  };
}
