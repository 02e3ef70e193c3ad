import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/driftspec', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How the CLI is started: another copy of bin/driftspec, or Node options before it. */
export interface CliLaunch {
  bin?: string;
  nodeArgs?: readonly string[];
}

/** The command line that starts the CLI, for a runner of its own (a terminal, a shell). */
export function cliArgv(args: readonly string[], launch: CliLaunch = {}): string[] {
  return [process.execPath, ...(launch.nodeArgs ?? []), launch.bin ?? BIN, ...args];
}

/** No colour, no SSH agent, and a spec cache of the test's own; `env` adds to it or overrides it. */
export function cliEnvironment(cacheDir: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', DRIFTSPEC_CACHE_DIR: cacheDir, SSH_AUTH_SOCK: '', ...env };
}

/**
 * The compiled CLI as a user runs it (npm test builds it first); asynchronous, so mocha's timers
 * keep running.
 */
export function runCli(
  args: readonly string[],
  cacheDir: string,
  env: NodeJS.ProcessEnv = {},
  launch: CliLaunch = {},
): Promise<CliRun> {
  const [command, ...argv] = cliArgv(args, launch);
  return new Promise((resolve, reject) => {
    const child = spawn(command!, argv, { env: cliEnvironment(cacheDir, env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** runCli for tests whose runs are quick and read best in sequence; it blocks mocha's timers meanwhile. */
export function runCliSync(args: readonly string[], cacheDir: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const [command, ...argv] = cliArgv(args);
  const run = spawnSync(command!, argv, { encoding: 'utf8', env: cliEnvironment(cacheDir, env) });
  if (run.error) throw run.error;
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** What a run wrote on stderr besides its progress lines (`[3/20] ssh://… passed 48 (1.2 s)`, outside a terminal). */
export function stderrBesideProgress(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^\[\d+\/\d+\] /.test(line))
    .join('\n');
}
