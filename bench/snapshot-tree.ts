/**
 * `npm run bench:snapshot`: `driftspec snapshot local` of a 20,000-file tree made in a temporary
 * directory, measured as a whole process (wall time and peak RSS from /usr/bin/time -v, or from
 * the CLI's own process.resourceUsage() where there is no GNU time). A run with an empty tree
 * gives the fixed cost (packages, services, accounts, kernel parameters, …), so the tree's own
 * cost is the difference. Writes the numbers into the "Snapshot" section of docs/benchmarks.md.
 *
 *   npm run build && npm run bench:snapshot [-- --files 20000 --rounds 3 --no-write]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSnapshot } from '../src/drift/snapshot-schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'driftspec');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const START = '<!-- snapshot-benchmark:start -->';
const END = '<!-- snapshot-benchmark:end -->';

interface Measurement {
  wallMs: number;
  maxRssKb: number;
  files: number;
  outputBytes: number;
  complete: boolean;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

/** 20,000 files: 200 directories of 100, sizes 64 B–8 KiB. */
function makeTree(dir: string, count: number): void {
  const perDir = 100;
  for (let d = 0; d * perDir < count; d++) {
    const sub = join(dir, `d${String(d).padStart(4, '0')}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < perDir && d * perDir + f < count; f++)
      writeFileSync(join(sub, `file-${f}.conf`), randomBytes(64 + ((d * perDir + f) % 8128)));
  }
}

function measure(tree: string, work: string): Measurement {
  const output = join(work, 'snapshot.json');
  rmSync(output, { force: true });
  const cli = ['snapshot', 'local', '--files', tree, '--no-default-ignores', '--allow-incomplete', '-o', output];
  const hasGnuTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-v', 'true']).status === 0;
  const started = process.hrtime.bigint();
  const run = hasGnuTime
    ? spawnSync('/usr/bin/time', ['-v', process.execPath, BIN, ...cli], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
    : spawnSync(process.execPath, ['--input-type=module', '-e', SELF_MEASURING, BIN, ...cli], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`driftspec snapshot exited ${run.status}: ${run.stderr}`);
  const rss = hasGnuTime
    ? /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)
    : /^max-rss-kb (\d+)$/m.exec(run.stderr);
  if (!rss) throw new Error(`no peak RSS in: ${run.stderr}`);
  const snapshot = parseSnapshot(JSON.parse(readFileSync(output, 'utf8')), output);
  return {
    wallMs,
    maxRssKb: Number(rss[1]),
    files: snapshot.files.length,
    outputBytes: statSync(output).size,
    complete: snapshot.complete,
  };
}

/** Runs the CLI in this process and prints its peak RSS (process.resourceUsage) on exit. */
const SELF_MEASURING = `const [bin, ...args] = process.argv.slice(1);
process.argv = [process.argv[0], bin, ...args];
process.on('exit', () => process.stderr.write('max-rss-kb ' + process.resourceUsage().maxRSS + '\\n'));
await import(bin);`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function summarise(runs: Measurement[]): Measurement {
  return {
    wallMs: median(runs.map((r) => r.wallMs)),
    maxRssKb: median(runs.map((r) => r.maxRssKb)),
    files: runs[0]!.files,
    outputBytes: runs[0]!.outputBytes,
    complete: runs.every((r) => r.complete),
  };
}

function section(tree: Measurement, empty: Measurement, rounds: number, count: number, load: number): string {
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const machine =
    `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  return `${START}
## Snapshot

\`driftspec snapshot local\` of a tree of ${count.toLocaleString('en')} files (200 directories, 64 B–8 KiB
each, about ${Math.round((count * 4) / 1024)} MiB), measured as a whole process with \`bench/snapshot-tree.ts\`
(\`npm run bench:snapshot\`; median of ${rounds} rounds; peak RSS from \`/usr/bin/time -v\`). The
empty-tree row is the fixed cost of the other sections (packages, services, listeners,
accounts, kernel parameters, mounts) and of starting Node.

| tree | files recorded | wall time | peak RSS | snapshot file |
|---|---|---|---|---|
| ${count.toLocaleString('en')} files | ${tree.files.toLocaleString('en')} | ${s(tree.wallMs)} s \
| ${mb(tree.maxRssKb)} MiB | ${(tree.outputBytes / 2 ** 20).toFixed(1)} MiB |
| empty directory | ${empty.files} | ${s(empty.wallMs)} s | ${mb(empty.maxRssKb)} MiB \
| ${(empty.outputBytes / 2 ** 20).toFixed(1)} MiB |

The file tree costs ${s(tree.wallMs - empty.wallMs)} s and ${mb(tree.maxRssKb - empty.maxRssKb)} MiB over the fixed \
cost: sha256 of every file
is computed on the target (\`sha256sum\` in batches through \`xargs -0\`), and the records are
parsed as they stream in, never held as raw output. What stays in memory is one small object per
recorded path (the snapshot itself); the file is written piece by piece. Measured \
on ${new Date().toISOString().slice(0, 10)},
${machine}; load average ${load.toFixed(1)} when the rounds began (other work on the machine slows the
fixed cost most: it is mostly process start-up).
${END}`;
}

function writeSection(text: string): void {
  const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    start !== -1 && end > start
      ? `${current.slice(0, start)}${text}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n${text}\n`;
  writeFileSync(DOC, next);
}

function main(): void {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('run "npm run build" first');
  const count = option('files', 20_000);
  const rounds = option('rounds', 3);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-bench-snapshot-'));
  try {
    const tree = join(work, 'tree');
    const empty = join(work, 'empty');
    mkdirSync(empty);
    makeTree(tree, count);
    measure(empty, work); // warm the page cache and Node's compile cache
    const load = loadavg()[0]!;
    const treeRuns: Measurement[] = [];
    const emptyRuns: Measurement[] = [];
    for (let round = 0; round < rounds; round++) {
      treeRuns.push(measure(tree, work));
      emptyRuns.push(measure(empty, work));
      process.stderr.write(
        `round ${round + 1}: tree ${treeRuns.at(-1)!.wallMs.toFixed(0)} ms / ${treeRuns.at(-1)!.maxRssKb} kB, empty ` +
          `${emptyRuns.at(-1)!.wallMs.toFixed(0)} ms / ${emptyRuns.at(-1)!.maxRssKb} kB\n`,
      );
    }
    const [treeResult, emptyResult] = [summarise(treeRuns), summarise(emptyRuns)];
    if (treeResult.files !== count + Math.ceil(count / 100) + 1)
      throw new Error(`expected ${count} files and their directories, the snapshot has ${treeResult.files}`);
    const text = section(treeResult, emptyResult, rounds, count, load);
    process.stdout.write(`${text}\n`);
    if (!process.argv.includes('--no-write')) {
      writeSection(text);
      process.stderr.write(`written to ${DOC}\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
