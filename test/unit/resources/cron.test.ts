import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { createRegistry } from '../../../src/resources/index.js';
import { cronResource, parseCronTables, parseCrontab } from '../../../src/resources/cron/index.js';
import { cronInventory } from '../../../src/resources/cron/inventory.js';
import { hostFacts, partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';
import type { Frame } from '../../../src/probe/frames.js';

const registry = createRegistry([cronResource]);
const cron = resourceFunction(cronResource);
const recorded = (name: string) => recordedFrame(`recorded/cron/${name}.json`);
const judge = (body: () => void, frame: Frame) => resultLines(judgeFrame(registry, body, frame, hostFacts()));

describe('cron resource', () => {
  it('reads the stock Debian crontabs and periodic scripts (recorded)', () => {
    const tables = parseCronTables(recorded('stock'));
    expect(tables.files.map((f) => f.path)).to.deep.equal(['/etc/crontab', '/etc/cron.d/e2scrub_all']);
    expect(tables.files[0]!.entries[0]).to.deep.equal({
      source: '/etc/crontab',
      line: 18,
      schedule: '17 * * * *',
      user: 'root',
      command: 'cd / && run-parts --report /etc/cron.hourly',
    });
    expect(tables.files.every((f) => f.invalid.length === 0)).to.equal(true);
    expect(tables.periodic.get('/etc/cron.daily')).to.include('dpkg');
    expect(tables.spoolUnknown).to.equal(undefined);
  });

  it('reads settings, @ schedules, user crontabs and names a rejected line; skips cron.d names with a dot', () => {
    const tables = parseCronTables(recorded('planted'));
    expect(tables.files.map((f) => f.path)).to.deep.equal([
      '/etc/crontab',
      '/etc/cron.d/driftspec-record',
      '/etc/cron.d/e2scrub_all',
      '/var/spool/cron/crontabs/root',
    ]);
    const planted = tables.files[1]!;
    expect(planted.entries.map((e) => [e.schedule, e.user, e.command])).to.deep.equal([
      ['*/10 * * * *', 'root', '/usr/local/bin/report --quiet   >/dev/null 2>&1'],
      ['@reboot', 'nobody', '/usr/bin/true'],
    ]);
    expect(planted.invalid).to.deep.equal([6]);
    expect(tables.files[3]!.entries.map((e) => [e.schedule, e.user, e.command])).to.deep.equal([
      ['15 2 * * 1-5', 'root', '/usr/bin/backup --to /srv'],
    ]);
  });

  it('judges entries of a file, a user, a periodic directory and every crontab', () => {
    const lines = judge(() => {
      cron('/etc/cron.d/driftspec-record').exists().hasEntry({
        schedule: '*/10  * * * *',
        user: 'root',
        command: '/usr/local/bin/report --quiet   >/dev/null 2>&1',
      });
      cron('root').hasEntry({ schedule: '15 2 * * 1-5', command: '/usr/bin/backup --to /srv' });
      cron('root').not.hasEntry({ user: 'nobody', command: '/usr/bin/backup --to /srv' });
      cron('/etc/cron.daily').hasEntry({ command: '/etc/cron.daily/dpkg' });
      cron('*').hasEntry({ schedule: '@reboot', command: '/usr/bin/true' });
      cron('/etc/cron.d/driftspec.record').not.exists();
      cron('nobody').not.exists();
      cron('/var/spool/cron/crontabs/root').entries({ contains: '15 2 * * 1-5 root /usr/bin/backup --to /srv' });
    }, recorded('planted'));
    expect(lines).to.deep.equal([
      'passed: cron /etc/cron.d/driftspec-record should exist',
      'passed: cron /etc/cron.d/driftspec-record should have an entry running ' +
        '"/usr/local/bin/report --quiet   >/dev/null 2>&1" (schedule "*/10  * * * *", user root)',
      'passed: cron root should have an entry running "/usr/bin/backup --to /srv" (schedule "15 2 * * 1-5")',
      'passed: cron root should not have an entry running "/usr/bin/backup --to /srv" (user nobody)',
      'passed: cron /etc/cron.daily should have an entry running "/etc/cron.daily/dpkg"',
      'passed: cron (every crontab) should have an entry running "/usr/bin/true" (schedule "@reboot")',
      'passed: cron /etc/cron.d/driftspec.record should not exist',
      'passed: cron nobody should not exist',
      'passed: cron /var/spool/cron/crontabs/root should have entries containing ' +
        '"15 2 * * 1-5 root /usr/bin/backup --to /srv"',
    ]);
  });

  it('a user crontab that could not be read is an error, also under not; system files are still judged', () => {
    const lines = judge(() => {
      cron('root').not.hasEntry({ command: '/usr/bin/evil' });
      cron('*').not.hasEntry({ command: '/usr/bin/evil' });
      cron('nobody').not.exists();
      cron('/etc/cron.d/driftspec-record').hasEntry({ command: '/usr/bin/true' });
    }, recorded('user'));
    expect(lines.slice(0, 3)).to.deep.equal(
      Array(3)
        .fill(
          'error: could not check cron ' +
            'X: reading the crontabs: cannot list /var/spool/cron/crontabs (permission denied)',
        )
        .map((line, i) => line.replace('X', ['root', '(every crontab)', 'nobody'][i]!)),
    );
    expect(lines[3]).to.equal('passed: cron /etc/cron.d/driftspec-record should have an entry running "/usr/bin/true"');
  });

  it('a part cut short or a crontab that could not be read is an error, never an empty crontab', () => {
    const unreadable = partsFrame([
      { name: 'file:1', stdout: '/etc/cron.d/x\0', stderr: 'cat: /etc/cron.d/x: Permission denied\n', exitCode: 1 },
      { name: 'spool', exitCode: 0 },
    ]);
    expect(judge(() => cron('/etc/cron.d/x').not.hasEntry({ command: 'x' }), unreadable)[0]).to.match(
      /^error: .*reading \/etc\/cron\.d\/x failed: cat: \/etc\/cron\.d\/x: Permission denied/,
    );
    expect(judge(() => cron('*').not.exists(), partsFrame([]))[0]).to.match(/^error: .*no part "spool"/);
  });

  it('parses the five-field and @ forms, with and without a user field', () => {
    const text = 'A=1\n  # c\n0 0 * * * www run --x\n@DAILY root /bin/y\n1 2 3\n';
    expect(parseCrontab(text, '/etc/crontab', undefined)).to.deep.equal({
      entries: [
        { source: '/etc/crontab', line: 3, schedule: '0 0 * * *', user: 'www', command: 'run --x' },
        { source: '/etc/crontab', line: 4, schedule: '@daily', user: 'root', command: '/bin/y' },
      ],
      invalid: [5],
    });
    expect(parseCrontab('0 0 * * * run\n', 'u', 'alice').entries[0]!.user).to.equal('alice');
  });

  it('refuses a subject that is no crontab', () => {
    expect(cronResource.subject.safeParse('/etc/passwd').success).to.equal(false);
    expect(cronResource.subject.safeParse('/etc/cron.d/x').success).to.equal(true);
  });

  it('lists every entry for a snapshot, with a gap where the user crontabs could not be read', () => {
    const listing = cronInventory.listing;
    if (listing.type !== 'framed') throw new Error('framed listing expected');
    const root = listing.read(recorded('planted'), { host: hostFacts(), ignored: () => false });
    const items = cronInventory.collection.store(root.items) as { source: string; command: string }[];
    expect(items.filter((i) => i.source === '/etc/cron.d/driftspec-record')).to.deep.equal([
      { source: '/etc/cron.d/driftspec-record', schedule: '@reboot', user: 'nobody', command: '/usr/bin/true' },
      {
        source: '/etc/cron.d/driftspec-record',
        schedule: '*/10 * * * *',
        user: 'root',
        command: '/usr/local/bin/report --quiet   >/dev/null 2>&1',
      },
    ]);
    expect(items.some((i) => i.source === '/var/spool/cron/crontabs/root')).to.equal(true);
    expect(root.gaps).to.deep.equal([]);
    const user = listing.read(recorded('user'), { host: hostFacts(), ignored: () => false });
    expect(user.gaps).to.deep.equal([
      { kind: 'cronEntries', reason: 'reading the crontabs: cannot list /var/spool/cron/crontabs (permission denied)' },
    ]);
  });
});
