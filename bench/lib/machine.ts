/** Facts about the machine a benchmark ran on, for the report. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, freemem, release } from 'node:os';

export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  kernel: string;
  node: string;
  openssh: string;
  load: [number, number, number];
}

export function machineFacts(): MachineFacts {
  const model = cpus()[0]?.model ?? 'unknown';
  let openssh = 'unknown';
  try {
    openssh = execFileSync('ssh', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    openssh = String((error as { stderr?: string }).stderr ?? '').trim() || openssh;
  }
  // `ssh -V` prints to stderr and exits 0; execFileSync returns stdout only.
  if (openssh === '') openssh = execFileSync('sh', ['-c', 'ssh -V 2>&1'], { encoding: 'utf8' }).trim();
  return {
    cpus: cpus().length,
    cpuModel: model.trim(),
    memoryGiB: totalmem() / 2 ** 30,
    freeMemoryGiB: freemem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    openssh,
    load: loadavg().map((value) => Math.round(value * 100) / 100) as [number, number, number],
  };
}

export function currentLoad(): [number, number, number] {
  return loadavg().map((value) => Math.round(value * 100) / 100) as [number, number, number];
}
