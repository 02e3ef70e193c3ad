/**
 * `packer` as a pipeline runs it, for the examples/packer e2e tests: from the template's directory,
 * without colour, with its configuration, cache and temporary files in the test's own directory
 * and no update checks over the network.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKER_EXAMPLES = fileURLToPath(new URL('../../examples/packer/', import.meta.url));

export interface PackerRun {
  code: number | null;
  /** stdout and stderr as they interleaved: Packer's log. */
  log: string;
}

export function hasPacker(): boolean {
  return spawnSync('packer', ['version']).status === 0;
}

/** Variables as `-var name=value` arguments; lists are written as HCL/JSON lists. */
export function packerVars(vars: Record<string, string | number | readonly string[]>): string[] {
  return Object.entries(vars).flatMap(([name, value]) => [
    '-var',
    `${name}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
  ]);
}

export function runPacker(args: readonly string[], workDir: string): Promise<PackerRun> {
  const temp = join(workDir, 'packer-tmp');
  mkdirSync(temp, { recursive: true });
  const env = {
    ...process.env,
    PACKER_CONFIG_DIR: join(workDir, 'packer-config'),
    PACKER_CACHE_DIR: join(workDir, 'packer-cache'),
    TMPDIR: temp,
    CHECKPOINT_DISABLE: '1',
    NO_COLOR: '1',
    DRIFTSPEC_CACHE_DIR: join(workDir, 'driftspec-cache'),
    SSH_AUTH_SOCK: '',
  };
  return new Promise((resolve, reject) => {
    const child = spawn('packer', [...args], { cwd: PACKER_EXAMPLES, env });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, log }));
  });
}
