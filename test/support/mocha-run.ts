import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunResultSchema, type RunResult } from '../../src/results/schema.js';

// Real mocha, as a user runs it, on the files of test/fixtures/mocha, with driftspec/mocha and its
// reporter from dist/ (npm run build first).

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = join(REPO, 'test', 'fixtures', 'mocha');
const MOCHA = join(REPO, 'node_modules', 'mocha', 'bin', 'mocha.js');
export const PLUGIN = join(REPO, 'dist', 'src', 'mocha', 'index.js');
export const REPORTER = join(REPO, 'dist', 'src', 'mocha', 'reporter.js');

export interface MochaRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runMocha(args: readonly string[], env: NodeJS.ProcessEnv = {}): MochaRun {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DRIFTSPEC_')));
  const run = spawnSync(process.execPath, [MOCHA, '--no-config', '--require', PLUGIN, ...args], {
    cwd: FIXTURES,
    encoding: 'utf8',
    env: { ...clean, ...env, NO_COLOR: '1' },
    timeout: 100_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The reporter writing JSON (and any other report) to `work`, beside `console`. */
export function reporterArgs(work: string, extra: Record<string, string> = {}): string[] {
  const options = { json: join(work, 'run.json'), ...extra };
  return ['--reporter', REPORTER, ...Object.entries(options).flatMap(([key, value]) => ['-O', `${key}=${value}`])];
}

export function report(work: string): RunResult {
  return RunResultSchema.parse(JSON.parse(readFileSync(join(work, 'run.json'), 'utf8')));
}

/** JUnit without the times of day and durations, which differ between any two runs. */
export function timeless(xml: string): string {
  return xml.replace(/ (time|timestamp)="[^"]*"/g, '');
}
