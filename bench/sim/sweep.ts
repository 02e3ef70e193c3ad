/**
 * The scale benchmark: driftspec (a whole process) sweeps an inventory of simulated hosts on
 * loopback while its memory and open file descriptors are sampled from /proc.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { FleetSimulator, scriptKey, type RecordedProbe, type SimulatorPorts } from './fleet-simulator.js';

export interface SimKeys {
  hostKey: string;
  hostKeyFingerprint: string;
  clientPublicKey: string;
  clientKeyPath: string;
}

/**
 * An ED25519 key pair that ssh2 can read back. ssh2's generator drops a public key's leading zero
 * bytes, so about one pair in 256 is one its own parser refuses ("Malformed OpenSSH public key",
 * mscdex/ssh2#1513): such a pair is made again.
 */
export function usableKeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const readable = [pair.private, pair.public].every((key) => !(ssh2.utils.parseKey(key) instanceof Error));
    if (readable) return pair;
  }
}

/** One ED25519 host key for the simulator (pinned with its fingerprint) and one login key. */
export function makeSimKeys(dir: string): SimKeys {
  const host = usableKeyPair();
  const client = usableKeyPair();
  const clientKeyPath = join(dir, 'sim_client_ed25519');
  writeFileSync(clientKeyPath, client.private, { mode: 0o600 });
  const blob = Buffer.from(host.public.split(/\s+/)[1]!, 'base64');
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { hostKey: host.private, hostKeyFingerprint: fingerprint, clientPublicKey: client.public, clientKeyPath };
}

export interface FleetLayout {
  hosts: number;
  /** Hosts whose port refuses connections. */
  refused: number;
  /** Hosts that accept TCP and never answer (they cost the connect timeout). */
  silent: number;
}

/** An inventory: live hosts first in name order, the dead ones spread evenly among them. */
export function writeInventory(path: string, layout: FleetLayout, ports: SimulatorPorts, keys: SimKeys): void {
  const lines = ['defaults:', `  identity: ${keys.clientKeyPath}`, 'hosts:'];
  const dead = layout.refused + layout.silent;
  const every = dead > 0 ? Math.floor(layout.hosts / dead) : Infinity;
  let refused = 0;
  let silent = 0;
  for (let i = 1; i <= layout.hosts; i++) {
    const name = `h${String(i).padStart(4, '0')}`;
    let port = ports.live;
    if (i % every === 0 && refused + silent < dead) {
      if (refused < layout.refused) {
        port = ports.refused;
        refused++;
      } else {
        port = ports.silent;
        silent++;
      }
    }
    lines.push(`  ${name}: { host: 127.0.0.1, port: ${port}, user: ${name} }`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

export interface ProcessSample {
  atMs: number;
  rssKiB: number;
  fds: number;
}

export interface SweepRun {
  ms: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Highest VmHWM seen: the process's peak resident memory. */
  peakRssKiB: number;
  peakFds: number;
  /** Open descriptors when the report begins to arrive: after every host finished and was closed. */
  endFds: number;
  samples: ProcessSample[];
}

/**
 * Runs `node bin/driftspec …` and samples /proc/PID every `intervalMs`. Descriptors are counted
 * once more the moment the first byte of the report arrives, which driftspec writes only after
 * every host's connection is closed.
 */
export function runSampled(
  args: readonly string[],
  cwd: string,
  intervalMs = 25,
  timeoutMs = 300_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SweepRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn(process.execPath, ['bin/driftspec', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid!;
    const samples: ProcessSample[] = [];
    let peakRssKiB = 0;
    let endFds = -1;
    const sample = () => {
      const status = readProc(`/proc/${pid}/status`);
      if (status === undefined) return;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      const rss = /VmRSS:\s+(\d+) kB/.exec(status);
      if (hwm) peakRssKiB = Math.max(peakRssKiB, Number(hwm[1]));
      const fds = countFds(pid);
      if (fds >= 0 && rss) samples.push({ atMs: elapsed(), rssKiB: Number(rss[1]), fds });
    };
    const timer = setInterval(sample, intervalMs);
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      if (endFds < 0) {
        endFds = countFds(pid);
        sample();
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      clearTimeout(killer);
      resolve({
        ms: elapsed(),
        exitCode: code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        peakRssKiB,
        peakFds: Math.max(0, ...samples.map((s) => s.fds)),
        endFds,
        samples,
      });
    });
  });
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function countFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** Recorded probe answers by script; `record` fills it from a real instance. */
export class ProbeRecordings {
  private readonly answers = new Map<string, RecordedProbe>();

  constructor(private readonly record?: (script: string) => Promise<RecordedProbe>) {}

  async answer(script: string): Promise<RecordedProbe | undefined> {
    const key = scriptKey(script);
    const known = this.answers.get(key);
    if (known || !this.record) return known;
    const recorded = await this.record(script);
    this.answers.set(key, recorded);
    return recorded;
  }

  get size(): number {
    return this.answers.size;
  }
}

export { FleetSimulator };

/** A probe script run on this machine as the simulated hosts' sshd would run it (`/bin/sh -s`): their answer. */
export function runProbeHere(script: string): Promise<RecordedProbe> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), exitCode: code ?? 255 }),
    );
    child.stdin.end(script);
  });
}
