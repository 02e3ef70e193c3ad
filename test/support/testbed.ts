/**
 * Booted Debian 12 instances for end-to-end tests (test/testbed/README.md): real systemd (or, in
 * the SYSVINIT_IMAGE and OPENRC_IMAGE variants, sysvinit and openrc), real sshd, each in its own
 * network namespace. Instances are always stopped: in the suite's after()
 * hook, and as a last resort when the process exits or is interrupted.
 *
 *   describe('…', function () {
 *     const bed = useTestbed({ base: 200, count: 2 });
 *     it('…', async () => { const [a] = bed.instances; … a.address … });
 *   });
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRoot, requireInCi } from './environment.js';
import { releaseIndex, reserveIndexes, runTestbedScript } from '../testbed/indexes.js';

const SCRIPTS = fileURLToPath(new URL('../testbed/', import.meta.url));
/** Cross-process index reservations: one directory per index, made atomically with mkdir. */
const REQUIRED_TOOLS = ['debootstrap', 'systemd-nspawn', 'ip', 'ssh', 'ssh-keygen', 'nsenter', 'ps'];

export interface TestInstance {
  index: number;
  /** `img<index>`: the instance's host name and network namespace. */
  name: string;
  address: string;
  port: number;
  /** `ssh://root@<address>:22` */
  url: string;
  /** Private key that logs in as root. */
  keyPath: string;
  /** A known_hosts file with all the instance's host keys, written by boot-instance.sh. */
  knownHostsPath: string;
  /** The ED25519 host key line (`<address> ssh-ed25519 AAAA…`), the key an SSH client is shown first. */
  knownHostsLine: string;
  /** That key's fingerprint as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  stateDir: string;
  /** Overlay upper directory: the instance's own changes to the image. */
  upperDir: string;
  /** Runs a host tool inside the instance's network namespace (`ip netns exec`). */
  inNamespace(command: readonly string[]): string;
  /** Runs a command inside the container (all its namespaces), without SSH. */
  inContainer(command: readonly string[]): string;
}

export interface TestbedOptions {
  /** First index to try; free indexes from here on are taken, so concurrent suites do not clash. */
  base: number;
  count: number;
  /** Writes into an instance's upper directory before it boots (sshd drop-ins, passwd…). */
  prepare?: (instance: { index: number; upperDir: string; rootfs: string }) => void;
  /**
   * `later`: before() only reserves the indexes; the test boots (and reboots) each instance
   * itself with `bed.start()`, for example without waiting for it to come up.
   */
  boot?: 'before' | 'later';
  /**
   * Boot a variant of the golden image instead: a copy with other packages, built and cached by
   * test/testbed/build-variant-image.sh. For tests that compare two images.
   */
  image?: ImageVariant;
}

/** How a variant image differs from the golden one: Debian packages added and purged. */
export interface ImageVariant {
  install?: readonly string[];
  purge?: readonly string[];
}

/** sysvinit as PID 1 with sysv-rc's runlevel links, and no systemd at all (test/testbed/README.md). */
export const SYSVINIT_IMAGE: ImageVariant = { install: ['sysvinit-core'], purge: ['systemd'] };

/** sysvinit's init running openrc's runlevels, as Debian's openrc package sets it up; no systemd. */
export const OPENRC_IMAGE: ImageVariant = { install: ['sysvinit-core', 'openrc'], purge: ['systemd'] };

export interface Testbed {
  instances: TestInstance[];
  /** Boots an instance afresh (an empty overlay, then `prepare`); with `wait: false` returns as soon as it starts. */
  start(instance: TestInstance, options: { wait: boolean }): Promise<void>;
  /** Stops an instance; it may be started again. */
  stop(instance: TestInstance): Promise<void>;
}

interface Booted {
  index: number;
  stateDir: string;
}

const live = new Set<Booted>();
let lastResortInstalled = false;

export function useTestbed(options: TestbedOptions): Testbed {
  let booted: Booted[] = [];
  let rootfs = '';
  const bed: Testbed = {
    instances: [],
    async start(instance, { wait }) {
      rmSync(join(instance.stateDir, instance.name), { recursive: true, force: true });
      mkdirSync(instance.upperDir, { recursive: true });
      options.prepare?.({ index: instance.index, upperDir: instance.upperDir, rootfs });
      await runTestbedScript(join(SCRIPTS, 'boot-instance.sh'), [
        ...(wait ? [] : ['--no-wait']),
        rootfs,
        String(instance.index),
        instance.stateDir,
      ]);
    },
    async stop(instance) {
      await runTestbedScript(join(SCRIPTS, 'stop-instance.sh'), [String(instance.index), instance.stateDir]);
    },
  };

  before(async function () {
    this.timeout(20 * 60_000);
    const missing = missingRequirement();
    if (missing) return requireInCi(this, missing);
    installLastResort();
    rootfs = await buildImage(options.image);
    const stateDir = mkdtempSync('/tmp/driftspec-testbed-');
    const indexes = reserveIndexes(options.base, options.count);
    booted = indexes.map((index) => ({ index, stateDir }));
    for (const instance of booted) live.add(instance);
    if (options.boot === 'later') {
      bed.instances.push(...indexes.map((index) => describeInstance(rootfs, index, stateDir)));
      return;
    }
    for (const index of indexes) {
      const upperDir = join(stateDir, `img${index}`, 'upper');
      mkdirSync(upperDir, { recursive: true });
      options.prepare?.({ index, upperDir, rootfs });
    }
    // Every boot script finishes before after() may stop anything.
    const boots = await Promise.allSettled(
      indexes.map((index) => runTestbedScript(join(SCRIPTS, 'boot-instance.sh'), [rootfs, String(index), stateDir])),
    );
    const failed = boots.find((boot) => boot.status === 'rejected');
    if (failed) throw failed.reason;
    bed.instances.push(...indexes.map((index) => describeInstance(rootfs, index, stateDir)));
  });

  after(async function () {
    this.timeout(120_000);
    const stopping = booted;
    booted = [];
    await Promise.all(stopping.map((instance) => stopInstance(instance)));
    removeStateDirs(stopping);
  });

  return bed;
}

function missingRequirement(): string | undefined {
  if (!isRoot()) return 'booted instances need root';
  const missing = REQUIRED_TOOLS.filter((tool) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status !== 0);
  if (missing.length > 0)
    return (
      `booted instances need ${missing.join(', ')} (apt-get install debootstrap systemd-container iproute2 ` +
      `openssh-client)`
    );
  return undefined;
}

async function buildImage(variant: ImageVariant | undefined): Promise<string> {
  const golden = lastLine(await runTestbedScript(join(SCRIPTS, 'build-image.sh'), []), 'build-image.sh');
  if (!variant) return golden;
  const changes = [
    ...(variant.install ?? []).flatMap((name) => ['--install', name]),
    ...(variant.purge ?? []).flatMap((name) => ['--purge', name]),
  ];
  return lastLine(
    await runTestbedScript(join(SCRIPTS, 'build-variant-image.sh'), [golden, ...changes]),
    'build-variant-image.sh',
  );
}

/** The root filesystem path a build script prints last. */
function lastLine(output: string, script: string): string {
  const rootfs = output.trim().split('\n').pop();
  if (!rootfs) throw new Error(`${script} printed no root filesystem path`);
  return rootfs;
}

function describeInstance(rootfs: string, index: number, stateDir: string): TestInstance {
  const name = `img${index}`;
  const address = `10.231.${index}.2`;
  const hostKeyFile = join(rootfs, 'etc/ssh/ssh_host_ed25519_key.pub');
  const [type, key] = readFileSync(hostKeyFile, 'utf8').trim().split(/\s+/);
  const fingerprint = execFileSync('ssh-keygen', ['-lf', hostKeyFile], { encoding: 'utf8' }).split(/\s+/)[1]!;
  return {
    index,
    name,
    address,
    port: 22,
    url: `ssh://root@${address}:22`,
    keyPath: join(dirname(rootfs), 'id_ed25519'),
    knownHostsPath: join(stateDir, name, 'known_hosts'),
    knownHostsLine: `${address} ${type} ${key}`,
    hostKeyFingerprint: fingerprint,
    stateDir,
    upperDir: join(stateDir, name, 'upper'),
    inNamespace: (command) => execFileSync('ip', ['netns', 'exec', name, ...command], { encoding: 'utf8' }),
    inContainer: (command) =>
      execFileSync('nsenter', ['-t', containerInit(stateDir, name), '-a', ...command], {
        encoding: 'utf8',
        // The test run's TMPDIR (test/support/private-tmpdir.ts) is a folder of the host: inside, /tmp.
        env: { ...process.env, TMPDIR: '/tmp' },
      }),
  };
}

/** The container's root directory as the host sees it (through its PID 1), for tools that read an image offline. */
export function containerRoot(instance: TestInstance): string {
  return `/proc/${containerInit(instance.stateDir, instance.name)}/root`;
}

/** The container's PID 1 as the host sees it: the child of systemd-nspawn. */
function containerInit(stateDir: string, name: string): string {
  const nspawn = readFileSync(join(stateDir, name, 'pid'), 'utf8').trim();
  const init = execFileSync('ps', ['-o', 'pid=', '--ppid', nspawn], { encoding: 'utf8' }).trim().split(/\s+/)[0];
  if (!init) throw new Error(`${name}: systemd-nspawn (PID ${nspawn}) has no container init`);
  return init;
}

/** An instance that fails to stop stays registered, so the exit handler tries again. */
async function stopInstance(instance: Booted): Promise<void> {
  await runTestbedScript(join(SCRIPTS, 'stop-instance.sh'), [String(instance.index), instance.stateDir]);
  live.delete(instance);
  releaseIndex(instance.index);
}

/** Exit and interrupt: stop whatever a failed or aborted run left booted. */
function installLastResort(): void {
  if (lastResortInstalled) return;
  lastResortInstalled = true;
  process.on('exit', stopAllNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopAllNow();
      // Die of the signal as before, unless someone else (mocha) handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function stopAllNow(): void {
  for (const instance of live) {
    spawnSync(join(SCRIPTS, 'stop-instance.sh'), [String(instance.index), instance.stateDir], { stdio: 'ignore' });
    releaseIndex(instance.index);
  }
  removeStateDirs([...live]);
  live.clear();
}

function removeStateDirs(instances: readonly Booted[]): void {
  if (process.env.DRIFTSPEC_TESTBED_KEEP === '1') return;
  for (const dir of new Set(instances.map((instance) => instance.stateDir)))
    rmSync(dir, { recursive: true, force: true });
}
