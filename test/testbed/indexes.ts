/**
 * Cross-process reservations of test bed indexes (1..254: network namespace img<INDEX>, address
 * 10.231.<INDEX>.2), shared by the test suites (test/support/testbed.ts) and the benchmark
 * (bench/lib/testbed.ts), so that runs going on at once never take the same index. A reservation
 * is a directory made atomically with mkdir, holding its owner's PID; one whose owner has died is
 * taken over.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESERVATIONS = '/run/driftspec-testbed/indexes';

/** The first `count` free indexes from `base` on; all or none are reserved. */
export function reserveIndexes(base: number, count: number): number[] {
  mkdirSync(RESERVATIONS, { recursive: true });
  const taken: number[] = [];
  for (let index = base; index <= 254 && taken.length < count; index++) {
    if (reserve(index)) taken.push(index);
  }
  if (taken.length < count) {
    for (const index of taken) releaseIndex(index);
    throw new Error(`no ${count} free test bed indexes from ${base} to 254`);
  }
  return taken;
}

export function releaseIndex(index: number): void {
  rmSync(join(RESERVATIONS, String(index)), { recursive: true, force: true });
}

function reserve(index: number): boolean {
  const dir = join(RESERVATIONS, String(index));
  if (existsSync(`/run/netns/img${index}`)) return false;
  try {
    mkdirSync(dir);
  } catch {
    if (ownerAlive(dir)) return false;
    rmSync(dir, { recursive: true, force: true });
    try {
      mkdirSync(dir);
    } catch {
      return false;
    }
  }
  writeFileSync(join(dir, 'owner'), `${process.pid}\n`);
  return true;
}

function ownerAlive(dir: string): boolean {
  let owner: number;
  try {
    owner = Number(readFileSync(join(dir, 'owner'), 'utf8').trim());
  } catch {
    return true; // being written by its owner right now
  }
  try {
    process.kill(owner, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs a test bed script; its progress (stderr) is shown only when it fails. */
export function runTestbedScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(script, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${script} ${args.join(' ')} exited ${code}:\n${stderr.slice(-4000)}`));
    });
  });
}
