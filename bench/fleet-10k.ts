/**
 * `npm run bench:fleet10k`: ten thousand simulated hosts (bench/sim/fleet10k.ts). The probe answer
 * is recorded on this machine (`/bin/sh -s`, as a simulated host's sshd would run it), so no
 * instance is booted. Writes test-output/bench/fleet10k.json after every case and its block of
 * docs/benchmarks.md at the end.
 *
 *   npm run bench:fleet10k -- [--hosts 10000] [--small-hosts 1000] [--largest-hosts 50000]
 *                             [--latency-ms 50] [--concurrency 250] [--connect-timeout 30] [--shards 4]
 *                             [--cases high,largest,sharded,default]
 *                             [--out fleet10k.json] [--no-docs]
 *   npm run bench:fleet10k -- --render a.json,b.json
 *
 * `--render` writes the docs block from results saved by earlier runs (in test-output/bench/), for
 * cases measured by separate runs at the same time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH, ROOT } from './lib/commands.js';
import { runFleet10kBenchmark, type Fleet10kCaseKind, type Fleet10kResults } from './sim/fleet10k.js';
import { FLEET10K_BLOCK, renderFleet10k } from './sim/fleet10k-report.js';
import { writeReportSection } from './lib/report.js';
import { runProbeHere } from './sim/sweep.js';

const { values: flags } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10000' },
    'small-hosts': { type: 'string', default: '1000' },
    'largest-hosts': { type: 'string', default: '50000' },
    'latency-ms': { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '250' },
    'connect-timeout': { type: 'string', default: '30' },
    shards: { type: 'string', default: '4' },
    cases: { type: 'string', default: 'high,largest,sharded,default' },
    out: { type: 'string', default: 'fleet10k.json' },
    'no-docs': { type: 'boolean', default: false },
    render: { type: 'string' },
  },
});

const outputDir = join(ROOT, 'test-output', 'bench');
mkdirSync(outputDir, { recursive: true });
const save = (results: Fleet10kResults) =>
  writeFileSync(join(outputDir, flags.out), `${JSON.stringify(results, null, 2)}\n`);

const docs = join(ROOT, 'docs', 'benchmarks.md');
if (flags.render === undefined) {
  const results = await runFleet10kBenchmark({
    hosts: Number(flags.hosts),
    smallHosts: Number(flags['small-hosts']),
    largestHosts: Number(flags['largest-hosts']),
    latencyMs: Number(flags['latency-ms']),
    highConcurrency: Number(flags.concurrency),
    connectTimeoutS: Number(flags['connect-timeout']),
    shards: Number(flags.shards),
    cases: new Set(flags.cases.split(',') as Fleet10kCaseKind[]),
    spec: `${BENCH}specs/checks-50.yaml`,
    record: runProbeHere,
    recordedOn: 'the machine running the benchmark (Debian 12)',
    log: (message) => process.stderr.write(`bench: ${message}\n`),
    onCase: save,
  });
  save(results);
  if (!flags['no-docs']) writeReportSection(docs, renderFleet10k([results]), FLEET10K_BLOCK);
} else {
  const saved = flags.render
    .split(',')
    .map((name) => JSON.parse(readFileSync(join(outputDir, name), 'utf8')) as Fleet10kResults);
  writeReportSection(docs, renderFleet10k(saved), FLEET10K_BLOCK);
}
