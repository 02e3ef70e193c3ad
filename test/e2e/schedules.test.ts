import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { connection, settle, TESTBED_IGNORES } from '../support/drift-e2e.js';
import { countSessions, journalCursor, sessionsAfter } from '../support/sshd-log.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-schedules-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

const TIMER = `[Unit]
Description=driftspec e2e timer

[Timer]
OnCalendar=*-*-* 03:30:00
OnBootSec=1h
Unit=driftspec-e2e.service

[Install]
WantedBy=timers.target
`;
const SERVICE = '[Service]\nType=oneshot\nExecStart=/bin/true\n';

/** A cron.d job, root's crontab and an enabled timer in the instance's overlay; sshd counts sessions. */
function prepare(dirs: { upperDir: string }): void {
  countSessions(dirs);
  const put = (path: string, text: string, mode = 0o644) => {
    mkdirSync(join(dirs.upperDir, path, '..'), { recursive: true });
    writeFileSync(join(dirs.upperDir, path), text);
    chmodSync(join(dirs.upperDir, path), mode);
  };
  put('etc/cron.d/driftspec-e2e', 'MAILTO=""\n*/5 * * * * root /usr/bin/true e2e\n');
  put('var/spool/cron/crontabs/root', '0 4 * * * /usr/bin/true nightly\n', 0o600);
  put('etc/systemd/system/driftspec-e2e.timer', TIMER);
  put('etc/systemd/system/driftspec-e2e.service', SERVICE);
  mkdirSync(join(dirs.upperDir, 'etc/systemd/system/timers.target.wants'), { recursive: true });
  symlinkSync(
    '/etc/systemd/system/driftspec-e2e.timer',
    join(dirs.upperDir, 'etc/systemd/system/timers.target.wants/driftspec-e2e.timer'),
  );
}

const SPEC = `spec: schedules-e2e
checks:
  - cron: /etc/cron.d/driftspec-e2e
    hasEntry: { schedule: '*/5 * * * *', user: root, command: /usr/bin/true e2e }
  - cron: root
    hasEntry: { schedule: 0 4 * * *, command: /usr/bin/true nightly }
  - cron: '*'
    not: { hasEntry: { command: /usr/bin/false } }
  - cron: /etc/cron.daily
    hasEntry: { command: /etc/cron.daily/dpkg }
  - systemd_timer: driftspec-e2e.timer
    exists: true
    enabled: true
    active: true
    onCalendar: { contains: '*-*-* 03:30:00' }
    monotonic: { contains: OnBootSec=1h }
    triggers: driftspec-e2e.service
    nextTrigger: { matches: '^\\w{3} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d' }
  - systemd_timer: no-such.timer
    not: { exists: true }
`;

describe('cron and systemd timers on a booted instance', function () {
  this.timeout(600_000);
  const bed = useTestbed({ base: 236, count: 1, prepare });
  const instance = (): TestInstance => bed.instances[0]!;

  it('judges every cron and timer check in one exec (counted by sshd)', async () => {
    const path = join(work, 'spec.yaml');
    writeFileSync(path, SPEC);
    const cursor = journalCursor(instance());
    const run = await cli('run', path, '-t', instance().url, ...connection(instance()), '--format', 'json');
    const results = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!.results;
    const notPassed = results.filter((r) => r.status !== 'passed').map((r) => `${r.status}: ${r.message}`);
    expect(notPassed).to.deep.equal([]);
    expect(results.length).to.equal(12);
    expect(run.code, run.stderr).to.equal(0);
    const { sessions, log } = await sessionsAfter(instance(), cursor);
    expect(sessions, log).to.have.length(1);
  });

  it('on the unbooted image (rootfs:) the files are read; running state is not applicable', async () => {
    const path = join(work, 'image.yaml');
    writeFileSync(
      path,
      `spec: schedules-image
checks:
  - cron: /etc/crontab
    hasEntry: { user: root, command: cd / && run-parts --report /etc/cron.hourly }
  - cron: /etc/cron.d/driftspec-e2e
    exists: false
  - systemd_timer: apt-daily.timer
    enabled: true
    onCalendar: { contains: '*-*-* 6,18:00' }
  - systemd_timer: apt-daily.timer
    active: true
`,
    );
    const root = join(dirname(instance().keyPath), 'rootfs');
    const run = await cli('run', path, '--format', 'json', '--target', `rootfs:${root}`);
    const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    expect(host.results.map((r) => `${r.subject} ${r.matcher}: ${r.status}`)).to.deep.equal([
      '/etc/crontab hasEntry: passed',
      '/etc/cron.d/driftspec-e2e exists: passed',
      'apt-daily.timer enabled: passed',
      'apt-daily.timer onCalendar: passed',
      'apt-daily.timer active: not-applicable',
    ]);
    expect(host.execCount).to.equal(1);
  });

  it('drift names a new cron.d entry, a changed schedule and a new timer, old → new', async () => {
    settle(instance());
    writeFileSync(join(work, 'ignore.yaml'), TESTBED_IGNORES);
    const baseline = join(work, 'baseline.json');
    const snap = await cli('snapshot', instance().url, ...connection(instance()), '-o', baseline);
    expect(snap.code, snap.stderr).to.equal(0);
    instance().inContainer([
      'sh',
      '-c',
      [
        "printf '15 1 * * * root /usr/bin/true drift\\n' >/etc/cron.d/driftspec-drift",
        'printf \'MAILTO=""\\n*/10 * * * * root /usr/bin/true e2e\\n\' >/etc/cron.d/driftspec-e2e',
        "printf '[Timer]\\nOnCalendar=weekly\\n[Install]\\nWantedBy=timers.target\\n' " +
          '>/etc/systemd/system/driftspec-drift.timer',
        "printf '[Service]\\nType=oneshot\\nExecStart=/bin/true\\n' >/etc/systemd/system/driftspec-drift.service",
        'systemctl disable --now driftspec-e2e.timer 2>/dev/null',
        'systemctl daemon-reload',
      ].join(' && '),
    ]);
    const json = join(work, 'drift.json');
    await cli(
      'drift',
      '--baseline',
      baseline,
      instance().url,
      ...connection(instance()),
      '--ignore-file',
      join(work, 'ignore.yaml'),
      '-r',
      `json:${json}`,
    );
    const host = DriftReportSchema.parse(JSON.parse(readFileSync(json, 'utf8'))).hosts[0]!;
    const kind = (name: string) => host.kinds.find((k) => k.kind === name)!;
    expect(kind('cronEntries').added.map((item) => item.key)).to.deep.equal([
      '/etc/cron.d/driftspec-drift /usr/bin/true drift',
    ]);
    expect(kind('cronEntries').changed.map((item) => [item.key, item.changes])).to.deep.equal([
      [
        '/etc/cron.d/driftspec-e2e /usr/bin/true e2e',
        [{ attribute: 'schedule', old: '*/5 * * * *', new: '*/10 * * * *' }],
      ],
    ]);
    expect(kind('systemdTimers').added.map((item) => item.key)).to.deep.equal(['driftspec-drift.timer']);
    expect(kind('systemdTimers').changed.map((item) => [item.key, item.changes])).to.deep.equal([
      ['driftspec-e2e.timer', [{ attribute: 'state', old: 'enabled', new: 'disabled' }]],
    ]);
  });
});
