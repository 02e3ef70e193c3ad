/**
 * Counts what a probe costs on this machine, independent of its load: the programs it runs
 * (`execve`), the processes it forks (`clone`/`fork`/`vfork`) and the files it creates (`openat`
 * with O_CREAT, `mkdir`), from `strace -f` of the local probe of a spec under /bin/sh.
 *
 *     npx tsx bench/probe-count.ts [--print] [SPEC]      (default bench/specs/checks-50.yaml)
 *
 * `--print` writes the probe script itself instead (to run it by hand: `… --print | sh -s`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planQueries } from '../src/engine/queries.js';
import { loadPlan } from '../src/plan/load.js';
import { checkProbeScript } from '../src/engine/check-probe.js';
import { withProbeDeadline } from '../src/probe/script.js';
import { createRegistry } from '../src/resources/index.js';

export interface ProbeCounts {
  programs: number;
  forks: number;
  filesCreated: number;
  programNames: Map<string, number>;
}

/** The probe driftspec sends for a spec, with the deadline a default run gives it. */
export async function probeScriptFor(specPath: string, cacheDir: string): Promise<string> {
  const registry = createRegistry();
  const plan = await loadPlan([specPath], { registry, cacheDir });
  return withProbeDeadline(checkProbeScript(planQueries(plan.checks, registry).queries, {}), 300_000);
}

/** Counts the system calls of one probe run under strace. */
export function countProbe(script: string, workDir: string): ProbeCounts {
  const trace = join(workDir, 'trace');
  const run = spawnSync('strace', ['-f', '-qq', '-e', 'trace=execve,openat,mkdir', '-o', trace, '/bin/sh', '-s'], {
    input: script,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`the probe under strace exited ${run.status}: ${run.stderr}`);
  const lines = readFileSync(trace, 'utf8').split('\n');
  const programNames = new Map<string, number>();
  const pids = new Set<string>();
  const created = new Set<string>();
  for (const line of lines) {
    const pid = /^(\d+) /.exec(line)?.[1];
    if (pid !== undefined) pids.add(pid);
    if (/ = -1 /.test(line)) continue;
    const exec = /execve\("([^"]+)"/.exec(line);
    if (exec) {
      const name = exec[1]!.split('/').pop()!;
      programNames.set(name, (programNames.get(name) ?? 0) + 1);
    }
    // Paths opened to be written, each counted once: files are reused from batch to batch, and
    // redirections to /dev/null open it with O_CREAT too.
    const path = createdPath(line);
    if (path !== undefined && !path.startsWith('/dev/')) created.add(path);
  }
  // The watchdog's `sleep 1` runs once a second, as long as strace makes the probe take: not counted.
  const naps = programNames.get('sleep') ?? 0;
  programNames.delete('sleep');
  const programs = [...programNames.values()].reduce((sum, n) => sum + n, 0);
  // Every process but the probe's own shell and the watchdog's naps.
  const forks = pids.size - 1 - naps;
  return { programs, forks, filesCreated: created.size, programNames };
}

/** The path a traced `openat(…, O_CREAT…)` or `mkdir` names, if the line is one. */
function createdPath(line: string): string | undefined {
  if (/^\d+ mkdir\(/.test(line)) return /mkdir\("([^"]+)"/.exec(line)?.[1];
  if (/O_CREAT/.test(line)) return /openat\([^,]+, "([^"]+)"/.exec(line)?.[1];
  return undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const print = args[0] === '--print';
  const spec = args[print ? 1 : 0] ?? 'bench/specs/checks-50.yaml';
  const workDir = mkdtempSync(join(tmpdir(), 'driftspec-probe-count-'));
  try {
    if (print) return void process.stdout.write(await probeScriptFor(spec, join(workDir, 'cache')));
    const counts = countProbe(await probeScriptFor(spec, join(workDir, 'cache')), workDir);
    const names = [...counts.programNames].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`);
    process.stdout.write(
      `${spec}: ${counts.programs} programs run, ${counts.forks} processes started, ` +
        `${counts.filesCreated} files or directories created\n  ${names.join(', ')}\n`,
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
