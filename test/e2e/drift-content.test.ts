import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { runCli } from '../support/cli.js';
import { connection, settle, TESTBED_IGNORES } from '../support/drift-e2e.js';
import { useTestbed } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-drift-content-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

/** Secrets planted under /etc, each with a marker no snapshot or report may ever hold. */
function plantSecrets(generation: string): string {
  const marker = (name: string) => `SECRET-MARKER-${name}-${generation}`;
  return [
    `printf 'planted:${marker('shadow')}:19000:0:99999:7:::\\n' >>/etc/shadow`,
    `printf 'planted:${marker('gshadow')}::\\n' >>/etc/gshadow`,
    `printf '${marker('0600')}\\n' >/etc/driftspec-only-root && chmod 0600 /etc/driftspec-only-root`,
    `printf -- '-----BEGIN PRIVATE KEY-----\\n${marker('pem')}\\n-----END PRIVATE KEY-----\\n' >/etc/driftspec.pem`,
    'chmod 0644 /etc/driftspec.pem',
    `printf '${marker('listed')}\\n' >/etc/driftspec-db-password.conf && chmod 0644 /etc/driftspec-db-password.conf`,
  ].join(' && ');
}

describe('drift content diffs on a booted instance', function () {
  this.timeout(300_000);
  const bed = useTestbed({ base: 150, count: 1 });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('shows a changed config file as a diff in the cli and html reports, changed secrets as a hash', async function () {
    if (bed.instances.length === 0) return this.skip();
    const instance = bed.instances[0]!;
    settle(instance);
    writeFileSync(join(work, 'ignore.yaml'), TESTBED_IGNORES);
    instance.inContainer(['sh', '-c', plantSecrets('a')]);
    const baseline = join(work, 'baseline.json');
    const snap = await cli('snapshot', instance.url, ...connection(instance), '--files', '/etc', '-o', baseline);
    expect(snap.code, snap.stderr).to.equal(0);
    instance.inContainer([
      'sh',
      '-c',
      `sed -i 's/^PASS_MAX_DAYS\\t99999$/PASS_MAX_DAYS\\t90/' /etc/login.defs && ${plantSecrets('b')}`,
    ]);
    const reports = { json: 'drift.json', html: 'drift.html', markdown: 'drift.md', junit: 'drift.xml' };
    const run = await cli(
      'drift',
      '--baseline',
      baseline,
      instance.url,
      ...connection(instance),
      '--ignore-file',
      join(work, 'ignore.yaml'),
      '-r',
      'cli',
      ...Object.entries(reports).flatMap(([format, file]) => ['-r', `${format}:${join(work, file)}`]),
    );
    expect((run.code ?? 0) & 4, run.stderr).to.equal(4);
    const read = (file: string) => readFileSync(join(work, file), 'utf8');
    const host = DriftReportSchema.parse(JSON.parse(read(reports.json))).hosts[0]!;
    const changed = host.kinds.find((k) => k.kind === 'files')!.changed;
    const withDiff = (key: string) => changed.find((item) => item.key === key)?.changes.find((c) => c.diff)?.diff;
    expect(withDiff('/etc/login.defs')).to.include('-PASS_MAX_DAYS\t99999\n+PASS_MAX_DAYS\t90\n');
    const secrets = ['/etc/shadow', '/etc/gshadow', '/etc/driftspec-only-root', '/etc/driftspec.pem'];
    secrets.push('/etc/driftspec-db-password.conf');
    expect(changed.map((item) => item.key)).to.include.members(secrets);
    for (const key of secrets) expect(withDiff(key), key).to.equal(undefined);
    expect(run.stdout)
      .to.match(/^ {10}-PASS_MAX_DAYS\\t99999$/m)
      .and.match(/^ {10}\+PASS_MAX_DAYS\\t90$/m);
    expect(read(reports.html)).to.include('<span class="add">+PASS_MAX_DAYS\\t90</span>');
    const outputs: Record<string, string> = { baseline: read('baseline.json'), cli: run.stdout + run.stderr };
    for (const file of Object.values(reports)) outputs[file] = read(file);
    for (const [name, text] of Object.entries(outputs)) expect(text, name).to.not.include('SECRET-MARKER');
  });
});
