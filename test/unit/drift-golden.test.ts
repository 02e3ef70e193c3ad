import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftJson } from '../../reporters/drift-json.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { describeSnapshot, diffSnapshots } from '../../src/drift/diff.js';
import { DRIFT_REPORT_SCHEMA_VERSION, type DriftReport } from '../../src/drift/diff-schema.js';
import { renderTypeScript, renderYaml, specFromSnapshot } from '../../src/drift/generate.js';
import { parseIgnoreFile } from '../../src/drift/ignore.js';
import { renderSnapshot } from '../../src/drift/snapshot-file.js';
import { parseSnapshot, snapshotJsonSchema, type Snapshot } from '../../src/drift/snapshot-schema.js';
import { judgeDrift } from '../../src/gate/drift-policy.js';
import { expectGolden } from '../support/golden.js';
import { collectRecording, recording } from '../support/recorded-snapshot.js';

/**
 * Snapshot, drift and generate outputs of recorded probe outputs and snapshots, pinned byte for
 * byte (test/fixtures/golden/README.md says how to regenerate them after an intended change).
 */

const golden = (name: string) => fileURLToPath(new URL(`../fixtures/golden/state/${name}`, import.meta.url));

function recordedSnapshot(name: string): Snapshot {
  const file = fileURLToPath(new URL(`../fixtures/drift/recorded/${name}.json.gz`, import.meta.url));
  return parseSnapshot(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')), name);
}

const TESTBED_IGNORES = parseIgnoreFile(
  'ignore:\n  - { kind: mounts, keys: /, attributes: options }\n  - paths: /etc/hosts\n',
  'ignore.yaml',
);

describe('snapshot, drift and generate outputs (golden)', function () {
  this.timeout(60_000);

  for (const name of ['root', 'root-portable', 'root-gnu-small', 'tester'] as const) {
    it(`snapshot of the recorded probe output "${name}"`, () => {
      expectGolden(golden(`snapshot-${name}.json`), renderSnapshot(collectRecording(recording(name))));
    });
  }

  it('snapshot of a probe output cut short: a gap for every section it did not reach', () => {
    const rec = recording('root');
    const snapshot = collectRecording(rec, { cutAt: Math.floor(rec.out.length / 3), exitCode: null });
    expectGolden(golden('snapshot-root-cut.json'), renderSnapshot(snapshot));
  });

  it('`driftspec schema snapshot`', () => {
    expectGolden(golden('schema-snapshot.json'), `${JSON.stringify(snapshotJsonSchema(), null, 2)}\n`);
  });

  it('drift of recorded snapshots: json, cli and markdown', () => {
    const stock = recordedSnapshot('stock');
    const changed = recordedSnapshot('changed');
    const rec = recording('root');
    const full = collectRecording(rec);
    const cut = collectRecording(rec, { cutAt: Math.floor(rec.out.length / 3), exitCode: null });
    const now = new Date('2026-11-27T00:00:00Z');
    const report: DriftReport = judgeDrift({
      schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
      tool: { name: 'driftspec', version: '0.1.0' },
      generatedAt: now.toISOString(),
      mode: 'snapshots',
      baseline: describeSnapshot(stock, 'stock.json'),
      hosts: [
        diffSnapshots(stock, changed, { now, ignore: TESTBED_IGNORES }),
        diffSnapshots(stock, changed, { now }),
        diffSnapshots(full, cut, { now }),
        diffSnapshots(changed, full, { now }),
      ],
      warnings: [],
    });
    expectGolden(golden('drift-recorded.json'), [...renderDriftJson(report, report.verdict!)].join(''));
    expectGolden(
      golden('drift-recorded-cli.txt'),
      [...renderDriftCli(report, report.verdict!, { color: false })].join(''),
    );
    expectGolden(golden('drift-recorded.md'), [...renderDriftMarkdown(report, report.verdict!)].join(''));
  });

  it('generate from a recorded snapshot: YAML and TypeScript, default and strict choices', () => {
    const snapshot = collectRecording(recording('root'));
    const plain = specFromSnapshot(snapshot);
    expectGolden(golden('generate-root.yaml'), renderYaml(plain));
    expectGolden(golden('generate-root.ts.txt'), renderTypeScript(plain));
    const strict = specFromSnapshot(snapshot, {
      name: 'strict',
      files: ['/etc/ssh/*', '/usr/bin/*'],
      withContentHashes: true,
      packageVersions: 'exact',
    });
    expectGolden(golden('generate-root-strict.yaml'), renderYaml(strict));
    const cut = collectRecording(recording('tester'), { cutAt: 60_000, exitCode: null });
    expectGolden(golden('generate-tester-cut.yaml'), renderYaml(specFromSnapshot(cut, { packageVersions: 'any' })));
  });
});
