import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseDocument } from 'yaml';
import { parseSnapshot, type Snapshot } from '../../src/drift/snapshot-schema.js';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-snapshot-local-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

describe('driftspec snapshot local', function () {
  this.timeout(120_000);
  // The tree lives under the temporary directory, which the default ignores leave out (/tmp):
  // --no-default-ignores records it, and --ignore shows that an explicit glob still applies.
  const tree = join(work, 'tree');
  const baseline = join(work, 'local.json');
  let snapshot: Snapshot;

  before(() => {
    mkdirSync(join(tree, 'conf.d'), { recursive: true });
    mkdirSync(join(tree, 'logs'));
    writeFileSync(join(tree, 'conf.d', 'app.conf'), 'listen 8080\n');
    writeFileSync(join(tree, 'conf.d', "odd 'name'\nwith newline"), 'x');
    writeFileSync(join(tree, 'logs', 'today.log'), 'noise\n');
    symlinkSync('conf.d/app.conf', join(tree, 'current'));
    chmodSync(join(tree, 'conf.d', 'app.conf'), 0o640);
  });

  it('records the chosen tree, with the --ignore glob applied, in one run', async () => {
    const run = await cli(
      'snapshot',
      'local',
      '--files',
      tree,
      '--no-default-ignores',
      '--ignore',
      `${tree}/logs`,
      '--allow-incomplete',
      '-o',
      baseline,
    );
    expect(run.code, run.stderr).to.equal(0);
    snapshot = parseSnapshot(JSON.parse(readFileSync(baseline, 'utf8')), baseline);
    expect(snapshot.target).to.equal('local');
    expect(snapshot.fileRoots).to.deep.equal([tree]);
    expect(snapshot.ignores.paths).to.deep.equal([`${tree}/logs`]);
    expect(snapshot.files.map((f) => f.path.slice(tree.length))).to.deep.equal([
      '',
      '/conf.d',
      '/conf.d/app.conf',
      "/conf.d/odd 'name'\nwith newline",
      '/current',
    ]);
    expect(snapshot.files.find((f) => f.path.endsWith('app.conf'))).to.include({
      type: 'file',
      mode: '0640',
      size: 12,
      sha256: createHash('sha256').update('listen 8080\n').digest('hex'),
    });
    expect(snapshot.files.find((f) => f.path.endsWith('/current'))).to.include({
      type: 'symlink',
      linkTarget: 'conf.d/app.conf',
    });
    expect(snapshot.packages.length + snapshot.users.length).to.be.greaterThan(0);
    if (!snapshot.complete) expect(run.stderr).to.include('INCOMPLETE');
  });

  it('a generated spec for the tree passes locally, and fails naming a chmod-ed file', async () => {
    const full = join(work, 'generated.yaml');
    const generated = await cli('generate', '--from', baseline, '--files', tree, '--with-content-hashes', '-o', full);
    expect(generated.code, generated.stderr).to.equal(0);
    // Only the files control: the rest describes this whole machine, which other tests may change.
    const doc = parseDocument(readFileSync(full, 'utf8'));
    const controls = (doc.toJS() as { controls: { id: string }[] }).controls.filter(
      (control) => control.id === 'files',
    );
    const spec = join(work, 'tree.yaml');
    writeFileSync(spec, `spec: local-tree\ncontrols: ${JSON.stringify(controls)}\n`);
    const pass = await cli('run', spec, '--format', 'json');
    expect(pass.code, pass.stdout + pass.stderr).to.equal(0);
    expect(RunResultSchema.parse(JSON.parse(pass.stdout)).hosts[0]!.results.map((r) => r.matcher)).to.include('sha256');

    chmodSync(join(tree, 'conf.d', 'app.conf'), 0o666);
    writeFileSync(join(tree, 'conf.d', "odd 'name'\nwith newline"), 'changed');
    const fail = await cli('run', spec, '--format', 'json');
    expect(fail.code, fail.stderr).to.equal(1);
    const failed = RunResultSchema.parse(JSON.parse(fail.stdout)).hosts[0]!.results.filter(
      (r) => r.status !== 'passed',
    );
    expect(failed.map((r) => `${String(r.subject).slice(tree.length)} ${r.matcher}`)).to.deep.equal([
      '/conf.d/app.conf mode',
      "/conf.d/odd 'name'\nwith newline sha256",
    ]);
  });

  it('to stdout without -o; a relative --files is a usage error (64)', async () => {
    const run = await cli('snapshot', 'local', '--files', tree, '--no-default-ignores', '--allow-incomplete');
    expect(run.code, run.stderr).to.equal(0);
    expect(parseSnapshot(JSON.parse(run.stdout), 'stdout').files).to.have.length(7);
    const bad = await cli('snapshot', 'local', '--files', 'etc');
    expect(bad.code).to.equal(64);
    expect(bad.stderr).to.include('--files takes absolute paths');
  });
});
