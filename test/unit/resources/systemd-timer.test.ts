import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { createRegistry } from '../../../src/resources/index.js';
import { parseTimer, systemdTimerResource, timerSettings } from '../../../src/resources/systemd-timer/index.js';
import { systemdTimerInventory } from '../../../src/resources/systemd-timer/inventory.js';
import type { Frame } from '../../../src/probe/frames.js';
import { hostFacts, partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';

const registry = createRegistry([systemdTimerResource]);
const systemdTimer = resourceFunction(systemdTimerResource);
const recorded = (name: string) => recordedFrame(`recorded/systemd-timer/${name}.json`);
const judge = (body: () => void, frame: Frame, booted = true) =>
  resultLines(judgeFrame(registry, body, frame, hostFacts(booted ? {} : { booted: false })));

const SHOW = `Id=apt-daily.timer
LoadState=loaded
ActiveState=active
SubState=waiting
LastTriggerUSec=Sun 2026-12-06 06:12:01 UTC
NextElapseUSecRealtime=Sun 2026-12-06 18:03:11 UTC
NextElapseUSecMonotonic=infinity
`;

describe('systemd_timer resource', () => {
  it('reads state and [Timer] settings from the unit files (recorded, systemd not PID 1)', () => {
    const fact = parseTimer(recorded('local-timers'), 'apt-daily.timer', false);
    expect(fact.unitFileState).to.equal('enabled');
    expect(fact.settings).to.deep.equal({
      onCalendar: ['*-*-* 6,18:00'],
      monotonic: [],
      unit: 'apt-daily.service',
      persistent: true,
    });
    expect(parseTimer(recorded('local-timers'), 'no-such.timer', false)).to.deep.include({
      unitFileState: 'not-found',
      files: [],
    });
  });

  it('applies a drop-in after the unit file: an empty OnCalendar= resets, Unit= replaces (recorded)', () => {
    const fact = parseTimer(recorded('local-timers-drop-in'), 'apt-daily.timer', false);
    expect(fact.files.at(-1)).to.equal('/etc/systemd/system/apt-daily.timer.d/override.conf');
    expect(fact.settings).to.deep.equal({
      onCalendar: ['Mon *-*-* 04:00:00'],
      monotonic: ['OnBootSec=15min'],
      unit: 'apt-daily-upgrade.service',
      persistent: true,
    });
  });

  it('judges the unit files on an image; running state is not applicable there', () => {
    const lines = judge(
      () => {
        systemdTimer('apt-daily.timer').exists().enabled().onCalendar('*-*-* 6,18:00').triggers('apt-daily.service');
        systemdTimer('no-such.timer').not.exists();
        systemdTimer('no-such.timer').not.onCalendar('daily');
      },
      recorded('local-timers'),
      false,
    );
    expect(lines).to.deep.equal([
      'passed: systemd timer apt-daily.timer should exist',
      'passed: systemd timer apt-daily.timer should be enabled',
      'passed: systemd timer apt-daily.timer should have OnCalendar "*-*-* 6,18:00"',
      'passed: systemd timer apt-daily.timer should trigger unit "apt-daily.service"',
      'passed: systemd timer no-such.timer should not exist',
      lines[5],
    ]);
    expect(lines[5]).to.match(/^failed: .*no unit file no-such.timer/);
    const running = Object.entries(systemdTimerResource.matchers).filter(([, m]) => m.needsRunningSystem === true);
    expect(running.map(([name]) => name)).to.deep.equal(['active', 'lastTrigger', 'nextTrigger']);
  });

  it('a booted host without a running systemd: active is an error, never a pass, also under not (recorded)', () => {
    const lines = judge(() => {
      systemdTimer('apt-daily.timer').active();
      systemdTimer('apt-daily.timer').not.active();
      systemdTimer('apt-daily.timer').enabled();
    }, recorded('local-timers'));
    expect(lines[0]).to.match(/^error: .*systemctl show exited 1: System has not been booted with systemd/);
    expect(lines[1]).to.equal(lines[0]!.replace('should be active', 'should not be active'));
    expect(lines[2]).to.equal('passed: systemd timer apt-daily.timer should be enabled');
  });

  it('reads active, last and next trigger from systemctl show on a running systemd', () => {
    const files = recorded('local-timers');
    const frame = partsFrame([
      { name: 'is-enabled:apt-daily.timer', stdout: 'enabled\n' },
      { name: 'show', stdout: SHOW },
    ]);
    expect(files.exitCode).to.equal(0);
    const lines = judge(() => {
      systemdTimer('apt-daily.timer').active().lastTrigger({ matches: '^Sun 2026-12-06' });
      systemdTimer('apt-daily.timer').nextTrigger('Sun 2026-12-06 18:03:11 UTC');
    }, frame);
    expect(lines).to.deep.equal([
      'passed: systemd timer apt-daily.timer should be active',
      'passed: systemd timer apt-daily.timer should have last triggered at matching /^Sun 2026-12-06/',
      'passed: systemd timer apt-daily.timer should have next trigger at "Sun 2026-12-06 18:03:11 UTC"',
    ]);
  });

  it('reads systemctl show on a booted instance: properties in systemd order, a block per unit (recorded)', () => {
    const lines = judge(() => {
      systemdTimer('driftspec-rec.timer')
        .active()
        .onCalendar({ contains: '*-*-* 03:30:00' })
        .monotonic({ contains: 'OnBootSec=1h' });
      systemdTimer('driftspec-rec.timer').nextTrigger('Mon 2026-12-07 03:30:00 UTC');
      systemdTimer('driftspec-rec.timer').lastTrigger({ matches: '.' });
      systemdTimer('apt-daily.timer').active();
      systemdTimer('apt-daily.timer').nextTrigger({ matches: '.' });
      systemdTimer('no-such.timer').not.active();
    }, recorded('booted-timers'));
    expect(lines).to.deep.equal([
      'passed: systemd timer driftspec-rec.timer should be active',
      'passed: systemd timer driftspec-rec.timer should have OnCalendar containing "*-*-* 03:30:00"',
      'passed: systemd timer driftspec-rec.timer should have monotonic settings containing "OnBootSec=1h"',
      'passed: systemd timer driftspec-rec.timer should have next trigger at "Mon 2026-12-07 03:30:00 UTC"',
      'failed: expected systemd timer driftspec-rec.timer to have last triggered at matching /./, ' +
        'but systemd has no such time for it',
      'passed: systemd timer apt-daily.timer should be active',
      'passed: systemd timer apt-daily.timer should have next trigger at matching /./',
      'passed: systemd timer no-such.timer should not be active',
    ]);
  });

  it('a missing systemctl is an error', () => {
    const lines = judge(() => systemdTimer('apt-daily.timer').not.enabled(), {
      id: 'q',
      exitCode: 3,
      stdout: Buffer.alloc(0),
      stderr: Buffer.from('systemctl is not on the target\n'),
    });
    expect(lines[0]).to.match(/^error: .*systemctl is not on the target/);
  });

  it('lists no timers, and no gap, for a snapshot of a host without systemd (no systemctl)', () => {
    const listing = systemdTimerInventory.listing;
    if (listing.type !== 'framed') throw new Error('framed listing expected');
    const noSystemd = {
      id: 'q',
      exitCode: 3,
      stdout: Buffer.alloc(0),
      stderr: Buffer.from('systemctl is not on the target\n'),
    };
    expect(listing.read(noSystemd, { host: hostFacts(), ignored: () => false })).to.deep.equal({ items: [], gaps: [] });
    // Any other failure is still a gap, never an empty list.
    const failed = { ...noSystemd, stderr: Buffer.from('Segmentation fault\n') };
    expect(() => listing.read(failed, { host: hostFacts(), ignored: () => false })).to.throw();
  });

  it('lists no timers, and no gap, for a systemd without timer unit files (recorded: exit 1, nothing said)', () => {
    const listing = systemdTimerInventory.listing;
    if (listing.type !== 'framed') throw new Error('framed listing expected');
    const none = recorded('local-listing-none');
    expect(listing.read(none, { host: hostFacts(), ignored: () => false })).to.deep.equal({ items: [], gaps: [] });
    // Exit 1 with a word from systemctl is a failure: a gap, never an empty list.
    const said = partsFrame([{ name: 'list', exitCode: 1, stderr: 'Failed to list unit files: Access denied\n' }]);
    expect(() => listing.read(said, { host: hostFacts(), ignored: () => false })).to.throw(/exited 1: Failed/);
  });

  it('reads continued lines and comments as systemd does', () => {
    const settings = timerSettings('x.timer', [
      {
        path: '/x',
        content: '[Timer]\n# OnCalendar=hourly\nOnCalendar=Mon \\\n  10:00\nPersistent=yes\n[Install]\nUnit=y\n',
      },
    ]);
    expect(settings).to.deep.equal({ onCalendar: ['Mon 10:00'], monotonic: [], unit: 'x.service', persistent: true });
  });

  it('lists every timer but templates for a snapshot (recorded)', () => {
    const listing = systemdTimerInventory.listing;
    if (listing.type !== 'framed') throw new Error('framed listing expected');
    const { items } = listing.read(recorded('local-listing'), { host: hostFacts(), ignored: () => false });
    const names = items.map((item) => item.name);
    expect(names).to.include.members(['apt-daily.timer', 'man-db.timer', 'systemd-tmpfiles-clean.timer']);
    expect(names.some((name) => name.includes('@'))).to.equal(false);
    expect(items.find((item) => item.name === 'systemd-tmpfiles-clean.timer')).to.deep.equal({
      name: 'systemd-tmpfiles-clean.timer',
      state: 'static',
      onCalendar: [],
      monotonic: ['OnBootSec=15min', 'OnUnitActiveSec=1d'],
      unit: 'systemd-tmpfiles-clean.service',
      persistent: false,
    });
  });
});
