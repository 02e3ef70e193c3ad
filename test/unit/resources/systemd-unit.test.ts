import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { planQueries } from '../../../src/engine/queries.js';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import type { Frame } from '../../../src/probe/frames.js';
import type { HostFacts } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import { systemdUnitResource, unitsScript } from '../../../src/resources/systemd-unit/index.js';
import { hostFacts, partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines } from '../../support/judge.js';

const registry = createRegistry([systemdUnitResource]);
const systemdUnit = resourceFunction(systemdUnitResource);
/** Recorded on a booted instance with driftspec-rec.socket added (record-booted.mts). */
const booted = recordedFrame('recorded/systemd-unit/booted-units.json');
/** Recorded on this machine: systemd installed, not PID 1 (record.mts). */
const local = recordedFrame('recorded/systemd-unit/local-units.json');
const judge = (body: () => void, frame: Frame, host: HostFacts = hostFacts()) =>
  resultLines(judgeFrame(registry, body, frame, host));

const showFrame = (blocks: string[], units: string[]) =>
  partsFrame([
    { name: 'units', stdout: units.map((u) => `${u}\n`).join('') },
    { name: 'show', stdout: blocks.join('\n\n') },
    { name: 'is-enabled', stdout: units.map(() => 'enabled\n').join('') },
  ]);

describe('systemd_unit resource', () => {
  it('judges units of every type from one systemctl show (recorded, booted)', () => {
    const lines = judge(() => {
      systemdUnit('driftspec-rec.socket').exists().enabled().active().subState('listening');
      systemdUnit('driftspec-rec.socket').property({ name: 'Listen', value: '127.0.0.1:8082 (Stream)' });
      systemdUnit('driftspec-rec.socket').property({ name: 'Listen', value: { contains: ['[::]:8081 (Stream)'] } });
      systemdUnit('driftspec-rec.socket').property({ name: 'Accept', value: 'yes' });
      systemdUnit('ssh.socket').exists().not.enabled().not.active().enabledState('disabled');
      systemdUnit('-.mount').active().property({ name: 'What', value: 'overlay' });
      systemdUnit('multi-user.target').active().enabledState('static');
      systemdUnit('apt-daily.timer').enabled().active();
      systemdUnit('systemd-ask-password-console.path').active();
      systemdUnit('system.slice').active().loadState('loaded');
      systemdUnit('init.scope').activeState('active');
      systemdUnit('proc-sys-fs-binfmt_misc.automount').not.active();
      systemdUnit('dev-null.device').loadState('loaded').activeState('inactive');
      systemdUnit('no-such.socket').not.exists().not.enabled().loadState('not-found');
    }, booted);
    const failedOrError = lines.filter((line) => !line.startsWith('passed: '));
    expect(failedOrError).to.deep.equal([]);
    expect(lines).to.have.length(27);
    expect(lines).to.include('passed: systemd unit ssh.socket should not be enabled');
  });

  it('a list property is every entry: a value matches one of them, `contains` needs all', () => {
    const lines = judge(() => {
      systemdUnit('driftspec-rec.socket').property({ name: 'Listen', value: '[::]:22 (Stream)' });
      systemdUnit('driftspec-rec.socket').not.property({ name: 'Listen', value: { matches: ':22 ' } });
      systemdUnit('driftspec-rec.socket').property({ name: 'ListenStream', value: '8081' });
    }, booted);
    expect(lines).to.deep.equal([
      'failed: expected systemd unit driftspec-rec.socket to have property Listen "[::]:22 (Stream)", ' +
        'but Listen is "[::]:8081 (Stream)", "127.0.0.1:8082 (Stream)"',
      'passed: systemd unit driftspec-rec.socket should not have property Listen matching /:22 /',
      'error: could not check systemd unit driftspec-rec.socket: systemctl show printed no property ' +
        'ListenStream for driftspec-rec.socket (names are case-sensitive)',
    ]);
  });

  it('asks systemctl show once for every unit of a spec, in one query of its own', () => {
    const plan = planSpecs(
      [
        {
          definition: spec('t', () => {
            systemdUnit('ssh.service').active();
            systemdUnit('ssh.socket').exists();
            systemdUnit('-.mount').property({ name: 'What', value: 'overlay' });
          }),
        },
      ],
      registry,
    );
    const { queries } = planQueries(plan.checks, registry);
    expect(queries).to.have.length(1);
    expect(queries[0]!.script).to.equal(unitsScript(['ssh.service', 'ssh.socket', '-.mount']));
    expect(queries[0]!.script).to.include("systemctl show --no-pager -- 'ssh.service' 'ssh.socket' '-.mount'");
  });

  it('where systemd is not PID 1, the unit files answer; running state is an error (recorded here)', () => {
    const host = hostFacts({ initSystem: 'sysvinit' });
    const lines = judge(
      () => {
        systemdUnit('ssh.socket').exists().not.enabled().enabledState('disabled');
        systemdUnit('sshd.service').enabled();
        systemdUnit('multi-user.target').enabledState('static');
        systemdUnit('apt-daily.timer').enabled();
        systemdUnit('no-such.socket').not.exists();
        systemdUnit('ssh.socket').not.active();
      },
      local,
      host,
    );
    expect(lines).to.deep.equal([
      'passed: systemd unit ssh.socket should exist',
      'passed: systemd unit ssh.socket should not be enabled',
      'passed: systemd unit ssh.socket should have unit file state "disabled"',
      'passed: systemd unit sshd.service should be enabled',
      'passed: systemd unit multi-user.target should have unit file state "static"',
      'passed: systemd unit apt-daily.timer should be enabled',
      'passed: systemd unit no-such.socket should not exist',
      'error: could not check systemd unit ssh.socket: systemd is not running on this host ' +
        '(its init system is sysvinit): only unit files can be read',
    ]);
    const missing = judge(() => systemdUnit('no-such.socket').exists(), local, host);
    expect(missing[0]).to.equal(
      'failed: expected systemd unit no-such.socket to exist, but there is no unit file for no-such.socket ' +
        '(systemctl --root=/ is-enabled says "not-found")',
    );
  });

  it('a missing systemctl is an error, never absent', () => {
    const frame = {
      id: 'q',
      exitCode: 3,
      stdout: Buffer.alloc(0),
      stderr: Buffer.from('systemctl is not on the target\n'),
    };
    const lines = judge(() => systemdUnit('ssh.socket').not.exists(), frame, hostFacts({ initSystem: 'sysvinit' }));
    expect(lines).to.deep.equal([
      'error: could not check systemd unit ssh.socket: systemd unit ssh.socket: systemctl is not on the target',
    ]);
  });

  it('a failed systemctl show is an error both ways (no running systemd, no bus)', () => {
    const failed = partsFrame([
      { name: 'units', stdout: 'ssh.socket\n' },
      { name: 'show', exitCode: 1, stderr: 'Failed to connect to bus: No such file or directory\n' },
      { name: 'is-enabled', stdout: 'enabled\n' },
    ]);
    const lines = judge(() => systemdUnit('ssh.socket').not.active(), failed);
    expect(lines[0]).to.match(/^error: .*exited 1: Failed to connect to bus/);
  });

  it('a value holding a newline cannot forge another unit or a second state', () => {
    const forgedState = showFrame(
      ['Id=a.socket\nLoadState=loaded\nActiveState=failed\nSubState=failed\nActiveState=active'],
      ['a.socket'],
    );
    expect(judge(() => systemdUnit('a.socket').not.active(), forgedState)[0]).to.match(
      /^error: .*printed ActiveState twice/,
    );
    const forgedBlock = showFrame(
      [
        'Id=a.socket\nLoadState=loaded\nActiveState=inactive\nSubState=dead\nDescription=x\n\nId=b.socket',
        'Id=b.socket',
      ],
      ['a.socket', 'b.socket'],
    );
    expect(judge(() => systemdUnit('b.socket').active(), forgedBlock)[0]).to.match(
      /^error: .*printed 3 blocks of properties for 2 units/,
    );
  });

  it('refuses a name without a unit type, or one systemd does not have', () => {
    const refusal = (name: string) => systemdUnitResource.subject.safeParse(name).error?.issues[0]?.message;
    for (const name of ['ssh', 'ssh.sockets', 'a b.socket', 'a\n.socket', "$(reboot)'.socket"]) {
      expect(refusal(name), name).to.match(/^a unit name with its type, such as ssh.socket or -.mount/);
    }
    for (const name of ['-.mount', 'dev-disk-by\\x2duuid-1.device', 'getty@tty1.service', 'user-0.slice']) {
      expect(refusal(name), name).to.equal(undefined);
    }
  });

  it('on an image that is not booted: unit files answer exists and enabled, running state is not applicable', () => {
    expect(systemdUnitResource.matchers.active.needsRunningSystem).to.equal(true);
    expect(systemdUnitResource.matchers.property.needsRunningSystem).to.equal(true);
    expect(systemdUnitResource.matchers.enabled.needsRunningSystem).to.equal(undefined);
    const image = partsFrame([{ name: 'is-enabled:ssh.socket', stdout: 'disabled\n', exitCode: 1 }]);
    const lines = judge(
      () => systemdUnit('ssh.socket').exists().not.enabled().enabledState('disabled'),
      image,
      hostFacts({ booted: false }),
    );
    expect(lines).to.deep.equal([
      'passed: systemd unit ssh.socket should exist',
      'passed: systemd unit ssh.socket should not be enabled',
      'passed: systemd unit ssh.socket should have unit file state "disabled"',
    ]);
  });
});
