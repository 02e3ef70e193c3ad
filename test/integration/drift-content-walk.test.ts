import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { renderDriftCli } from '../../reporters/drift-cli.js';
import { renderDriftJunit } from '../../reporters/drift-junit.js';
import { renderDriftMarkdown } from '../../reporters/drift-markdown.js';
import { renderDriftHtml } from '../../reporters/html/drift.js';
import { describeSnapshot, diffSnapshots } from '../../src/drift/diff.js';
import { DRIFT_REPORT_SCHEMA_VERSION, type DriftReport } from '../../src/drift/diff-schema.js';
import { buildSnapshotScript } from '../../src/drift/probe-script.js';
import { SnapshotCollector } from '../../src/drift/snapshot.js';
import { snapshotJsonPieces } from '../../src/drift/snapshot-file.js';
import type { Snapshot } from '../../src/drift/snapshot-schema.js';
import { judgeDrift } from '../../src/gate/drift-policy.js';
import { DEFAULT_FILE_CONTENT, type FileContentSettings } from '../../src/resources/file/inventory-content.js';
import { requireInCi } from '../support/environment.js';

/**
 * The content part of the file walk, run for real on this machine (GNU find, grep, xargs under
 * /bin/sh) over a temporary tree with planted secrets, each holding a recognisable marker: no
 * marker may appear in what the probe prints, in the snapshot, or in any drift report.
 */
describe('drift content: the walk keeps the text of small text files and never of a secret', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-content-'));
  const tree = join(work, 'etc');
  const content: FileContentSettings = {
    trees: [tree],
    limit: 1024,
    secrets: [...DEFAULT_FILE_CONTENT.secrets, `${tree}/shadow*`, `${tree}/gshadow*`],
  };

  function plant(generation: string): void {
    const put = (name: string, text: string | Buffer, mode = 0o644) => {
      writeFileSync(join(tree, name), text);
      chmodSync(join(tree, name), mode);
    };
    mkdirSync(join(tree, 'ssh'), { recursive: true });
    put('app.conf', `# app\nport = ${generation === 'a' ? 80 : 8080}\nname = it's "quoted"\n`);
    put('shadow', `root:SECRET-MARKER-shadow-${generation}:19000::::::\n`, 0o640);
    put('gshadow', `root:SECRET-MARKER-gshadow-${generation}::\n`, 0o644);
    put('only-root', `SECRET-MARKER-0600-${generation}\n`, 0o600);
    put('group-only', `SECRET-MARKER-0640-${generation}\n`, 0o640);
    put(
      'server.pem',
      `-----BEGIN PRIVATE KEY-----\nSECRET-MARKER-pem-${generation}\n-----END PRIVATE KEY-----\n`,
      0o644,
    );
    put(
      'ssh/ssh_host_ed25519_key',
      `-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-MARKER-hostkey-${generation}\n-----END OPENSSH PRIVATE KEY-----\n`,
      0o644,
    );
    put('db-password.conf', `SECRET-MARKER-listed-${generation}\n`, 0o644);
    put('binary', Buffer.from(`text\0BINARY-MARKER-${generation}\n`), 0o644);
    put('large.conf', `${'x'.repeat(2000)}LARGE-MARKER-${generation}\n`, 0o644);
    put('latin1.conf', Buffer.from([0x63, 0x61, 0x66, 0xe9, generation === 'a' ? 0x0a : 0x21]), 0o644);
  }

  const perlCheck = 'command -v perl >/dev/null 2>&1';

  /** `withoutPerl`: the text is read by the shell fallback, as on a system without perl. */
  function snapshot(withoutPerl = false): { raw: Buffer; snapshot: Snapshot } {
    const ignores = { paths: [], mounts: [], interfaces: [], kernelParameters: [] };
    const script = buildSnapshotScript({ roots: [tree], ignores: [], content });
    expect(script).to.include(perlCheck);
    const run = spawnSync('/bin/sh', ['-s'], {
      input: withoutPerl ? script.replace(perlCheck, 'false') : script,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.status, run.stderr.toString()).to.equal(0);
    const collector = new SnapshotCollector({
      target: 'local',
      takenAt: '2026-01-01T00:00:00.000Z',
      toolVersion: '0',
      fileRoots: [tree],
      fileContent: content,
      ignores,
      timeoutMs: 60_000,
    });
    collector.push(run.stdout);
    const taken = collector.finish({
      stdout: run.stdout,
      stderr: run.stderr,
      exitCode: run.status,
      signal: null,
      timedOut: false,
    });
    return { raw: run.stdout, snapshot: taken };
  }

  let baseline: ReturnType<typeof snapshot>;
  let candidate: ReturnType<typeof snapshot>;
  let drift: DriftReport;

  before(() => {
    plant('a');
    baseline = snapshot();
    plant('b');
    candidate = snapshot();
    drift = judgeDrift({
      schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
      tool: { name: 'driftspec', version: '0.1.0' },
      generatedAt: '2026-01-01T00:00:00.000Z',
      mode: 'snapshots',
      baseline: describeSnapshot(baseline.snapshot, 'baseline.json'),
      hosts: [diffSnapshots(baseline.snapshot, candidate.snapshot, { now: new Date('2026-01-01T00:00:00Z') })],
      warnings: [],
    });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('keeps the text of the small text file only, and records the settings', () => {
    const kept = baseline.snapshot.files.filter((f) => f.content !== undefined).map((f) => f.path.slice(tree.length));
    expect(kept).to.deep.equal(['/app.conf']);
    expect(baseline.snapshot.fileContent).to.deep.equal(content);
    expect(baseline.snapshot.complete, JSON.stringify(baseline.snapshot.gaps)).to.equal(true);
    expect(baseline.snapshot.files.every((f) => f.type !== 'file' || f.sha256 !== undefined)).to.equal(true);
  });

  it('keeps the same text whether perl or the shell fallback reads it', function () {
    if (spawnSync('sh', ['-c', perlCheck]).status !== 0) return requireInCi(this, 'perl is not installed');
    const shell = snapshot(true);
    const text = (side: ReturnType<typeof snapshot>) =>
      side.snapshot.files.map((file) => [file.path, file.sha256, file.content]);
    expect(text(shell)).to.deep.equal(text(candidate));
    expect(shell.raw.toString('latin1').match(/C\0[^\0]*\0/g)).to.deep.equal(
      candidate.raw.toString('latin1').match(/C\0[^\0]*\0/g),
    );
  });

  it('sends no byte of a secret, a binary or a too large file (a non-UTF-8 text is dropped on arrival)', () => {
    for (const side of [baseline, candidate]) {
      const raw = side.raw.toString('latin1');
      expect(raw).to.include('C\0');
      for (const marker of ['SECRET-MARKER', 'BINARY-MARKER', 'LARGE-MARKER']) expect(raw).to.not.include(marker);
    }
  });

  it('shows the config change as a diff and every secret change as a hash change only, in every report', () => {
    const changed = drift.hosts[0]!.kinds.find((k) => k.kind === 'files')!.changed;
    const diffs = changed.flatMap((item) =>
      item.changes.filter((c) => c.diff !== undefined).map((c) => [item.key.slice(tree.length), c.diff]),
    );
    expect(diffs).to.deep.equal([
      ['/app.conf', '@@ -1,3 +1,3 @@\n # app\n-port = 80\n+port = 8080\n name = it\'s "quoted"\n'],
    ]);
    expect(changed.map((item) => item.key.slice(tree.length))).to.include.members([
      '/shadow',
      '/gshadow',
      '/only-root',
      '/group-only',
      '/server.pem',
      '/ssh/ssh_host_ed25519_key',
      '/db-password.conf',
      '/latin1.conf',
    ]);
    const outputs = {
      snapshotBefore: [...snapshotJsonPieces(baseline.snapshot)].join(''),
      snapshotAfter: [...snapshotJsonPieces(candidate.snapshot)].join(''),
      json: JSON.stringify(drift),
      cli: [...renderDriftCli(drift, drift.verdict!, { color: false })].join(''),
      markdown: [...renderDriftMarkdown(drift, drift.verdict!)].join(''),
      junit: [...renderDriftJunit(drift, drift.verdict!)].join(''),
      html: [...renderDriftHtml(drift, drift.verdict!)].join(''),
    };
    for (const [name, output] of Object.entries(outputs)) {
      expect(output, name).to.not.include('MARKER');
      if (!name.startsWith('snapshot')) expect(output, name).to.include('+port = 8080');
    }
  });
});
