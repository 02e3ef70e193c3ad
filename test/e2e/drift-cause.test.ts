import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { runCli } from '../support/cli.js';
import { connection, settle, TESTBED_IGNORES } from '../support/drift-e2e.js';
import { useTestbed } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-drift-cause-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));
const TREES = ['/etc', '/usr/bin', '/usr/sbin', '/usr/lib/systemd/system', '/home'].flatMap((t) => ['--files', t]);

describe('drift grouped by cause, and interfaces that come and go, on a booted instance', function () {
  this.timeout(300_000);
  const bed = useTestbed({ base: 96, count: 1 });

  it('a removed package is one item with its files, a new user with its home; no interface noise', async function () {
    if (bed.instances.length === 0) return this.skip();
    const [instance] = bed.instances;
    settle(instance!);
    writeFileSync(join(work, 'ignore.yaml'), TESTBED_IGNORES);
    const baseline = join(work, 'baseline.json');
    const snap = await cli('snapshot', instance!.url, ...connection(instance!), ...TREES, '-o', baseline);
    expect(snap.code, snap.stderr).to.equal(0);
    const owned = instance!
      .inContainer(['dpkg-query', '-L', 'iproute2'])
      .split('\n')
      .filter((path) => /^\/(etc|usr\/bin|usr\/sbin|usr\/lib\/systemd\/system|bin|sbin)\//.test(path));
    instance!.inContainer([
      'sh',
      '-c',
      [
        'ip link add driftveth0 type veth peer name driftveth1',
        'useradd -m grouped',
        'dpkg --purge --force-depends iproute2 >/dev/null 2>&1',
      ].join(' && '),
    ]);
    const json = join(work, 'drift.json');
    const run = await cli(
      'drift',
      '--baseline',
      baseline,
      instance!.url,
      ...connection(instance!),
      '--ignore-file',
      join(work, 'ignore.yaml'),
      '-r',
      'cli',
      '-r',
      `json:${json}`,
    );
    const host = DriftReportSchema.parse(JSON.parse(readFileSync(json, 'utf8'))).hosts[0]!;
    const kind = (name: string) => host.kinds.find((k) => k.kind === name)!;
    const [removed] = kind('packages').removed;
    expect(kind('packages').removed.map((p) => p.key)).to.deep.equal(['iproute2:amd64']);
    const files = kind('files');
    const fromPackage = files.removed.filter((f) => f.cause?.key === 'iproute2:amd64');
    expect(removed!.brought).to.deep.equal([{ kind: 'files', count: fromPackage.length }]);
    expect(fromPackage.length).to.be.greaterThan(5);
    expect(fromPackage.map((f) => f.key))
      .to.include('/usr/bin/ip')
      .and.include('/etc/iproute2/rt_tables');
    // Every removed file is iproute2's: what its list names (merged /usr: /bin/ip is /usr/bin/ip).
    expect(files.removed.filter((f) => !f.cause)).to.deep.equal([]);
    expect(fromPackage.length).to.be.at.most(owned.length);
    expect(kind('users').added.map((u) => [u.key, u.brought])).to.deep.equal([
      ['grouped', [{ kind: 'files', count: files.added.filter((f) => f.cause?.key === 'grouped').length }]],
    ]);
    expect(files.added.filter((f) => f.key.startsWith('/home/grouped')).every((f) => f.cause?.key === 'grouped')).to.be
      .true;
    // The veth pair's kernel parameters are not drift: the baseline had no such interface.
    const kernel = kind('kernelParameters');
    expect([...kernel.added, ...kernel.removed, ...kernel.changed].map((k) => k.key)).to.deep.equal([]);
    const packageLines = run.stdout.split('\n').filter((line) => line.includes('iproute2'));
    expect(packageLines[0]).to.match(/^ {4}- package iproute2:amd64/);
    expect(run.stdout).to.include(`with its ${fromPackage.length} files`);
    expect(run.stdout).not.to.include('- file /usr/bin/ip ');
    expect(run.stdout).not.to.match(/^ {4}- file \/usr\/bin\/ip$/m);
    // useradd rewrote the account files (and kept their backups): the only changed items but the
    // instance's own link, which the test bed's ignore rules leave out elsewhere (test/testbed/ignores.ts).
    const changed = host.kinds.filter((k) => k.kind !== 'interfaces').flatMap((k) => k.changed.map((c) => c.key));
    expect(changed.filter((key) => !/^\/etc\/(passwd|shadow|group|gshadow|subuid|subgid)-?$/.test(key))).to.deep.equal(
      [],
    );
    // Without iproute2 the candidate's interface addresses cannot be read (/sys and /proc do not hold
    // IPv4 addresses): that kind is not compared, which sets the incomplete bit.
    expect([...new Set(host.notCompared.map((n) => n.kind))]).to.deep.equal(['interfaces']);
    expect(run.code).to.equal(7 | 8);
  });
});
