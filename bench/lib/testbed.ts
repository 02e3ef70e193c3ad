/**
 * Booted Debian 12 instances for the benchmark, without mocha: the same scripts and the same
 * cross-process index reservations as test/support/testbed.ts, so the benchmark and concurrently
 * running test suites never take the same index. Instances are always stopped: by `stop()`, and
 * as a last resort when the process exits or is interrupted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { releaseIndex, reserveIndexes, runTestbedScript } from '../../test/testbed/indexes.js';

const SCRIPTS = fileURLToPath(new URL('../../test/testbed/', import.meta.url));
const REQUIRED_TOOLS = ['debootstrap', 'systemd-nspawn', 'ip', 'ssh', 'ssh-keygen', 'nsenter', 'ps'];

export interface BenchInstance {
  index: number;
  address: string;
  /** Logs in as root. */
  keyPath: string;
  /** Every host key of the instance, for OpenSSH's UserKnownHostsFile and driftspec's --known-hosts. */
  knownHostsPath: string;
  /** A ready OpenSSH client config with strict host key checking (written by boot-instance.sh). */
  sshConfigPath: string;
  /** The ED25519 host key's fingerprint (`SHA256:…`). */
  hostKeyFingerprint: string;
}

export interface BenchTestbed {
  instances: BenchInstance[];
  stop(): Promise<void>;
}

/** Why the test bed cannot run here, or undefined when it can. */
export function testbedUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'booted instances need root';
  const missing = REQUIRED_TOOLS.filter((tool) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status !== 0);
  if (missing.length > 0)
    return (
      `booted instances need ${missing.join(', ')} (apt-get install debootstrap systemd-container iproute2 ` +
      `openssh-client)`
    );
  return undefined;
}

const live = new Map<number, string>();
let lastResortInstalled = false;

/**
 * Boots `count` instances at the first free indexes from `base` on, in parallel: of the golden
 * image, or of a variant with more packages (test/testbed/build-variant-image.sh).
 */
export async function bootTestbed(
  base: number,
  count: number,
  variant?: { install: readonly string[] },
): Promise<BenchTestbed> {
  installLastResort();
  const rootfs = await imageRoot(variant);
  const stateDir = mkdtempSync('/tmp/driftspec-bench-');
  const indexes = reserveIndexes(base, count);
  for (const index of indexes) live.set(index, stateDir);
  const stop = async () => {
    await Promise.all(indexes.map((index) => stopInstance(index, stateDir)));
    rmSync(stateDir, { recursive: true, force: true });
  };
  const boots = await Promise.allSettled(
    indexes.map((index) => runScript('boot-instance.sh', [rootfs, String(index), stateDir])),
  );
  const failed = boots.find((boot) => boot.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { instances: indexes.map((index) => describeInstance(rootfs, index, stateDir)), stop };
}

async function imageRoot(variant: { install: readonly string[] } | undefined): Promise<string> {
  const golden = (await runScript('build-image.sh', [])).trim().split('\n').pop();
  if (!golden) throw new Error('build-image.sh printed no root filesystem path');
  if (!variant) return golden;
  const installs = variant.install.flatMap((name) => ['--install', name]);
  const rootfs = (await runScript('build-variant-image.sh', [golden, ...installs])).trim().split('\n').pop();
  if (!rootfs) throw new Error('build-variant-image.sh printed no root filesystem path');
  return rootfs;
}

function describeInstance(rootfs: string, index: number, stateDir: string): BenchInstance {
  const dir = join(stateDir, `img${index}`);
  const hostKeyFile = join(rootfs, 'etc/ssh/ssh_host_ed25519_key.pub');
  const fingerprint = execFileSync('ssh-keygen', ['-lf', hostKeyFile], { encoding: 'utf8' }).split(/\s+/)[1]!;
  return {
    index,
    address: `10.231.${index}.2`,
    keyPath: join(dirname(rootfs), 'id_ed25519'),
    knownHostsPath: join(dir, 'known_hosts'),
    sshConfigPath: join(dir, 'ssh_config'),
    hostKeyFingerprint: fingerprint,
  };
}

async function stopInstance(index: number, stateDir: string): Promise<void> {
  await runScript('stop-instance.sh', [String(index), stateDir]);
  live.delete(index);
  releaseIndex(index);
}

function installLastResort(): void {
  if (lastResortInstalled) return;
  lastResortInstalled = true;
  process.on('exit', stopAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopAllNow();
      process.kill(process.pid, signal);
    });
  }
}

function stopAllNow(): void {
  for (const [index, stateDir] of live) {
    spawnSync(join(SCRIPTS, 'stop-instance.sh'), [String(index), stateDir], { stdio: 'ignore' });
    releaseIndex(index);
    rmSync(stateDir, { recursive: true, force: true });
  }
  live.clear();
}

/** Runs a test bed script; its progress (stderr) is shown only when it fails. */
function runScript(name: string, args: readonly string[]): Promise<string> {
  // Twenty instances booting at once on two cores take longer than one alone.
  const env = { ...process.env, DRIFTSPEC_TESTBED_BOOT_TIMEOUT: process.env.DRIFTSPEC_TESTBED_BOOT_TIMEOUT ?? '240' };
  return runTestbedScript(join(SCRIPTS, name), args, env);
}
