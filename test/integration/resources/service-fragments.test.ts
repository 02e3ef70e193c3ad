import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { SpecError } from '../../../src/inputs/input-error.js';
import type { Frame } from '../../../src/probe/frames.js';
import type { InitSystem } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  parseGroupedService,
  serviceGroupScript,
  serviceResource,
  type ServiceFact,
} from '../../../src/resources/service/index.js';
import { fixturePath, frame, hostFacts, partsFrame, type PartSpec } from '../../support/frames.js';
import { runInProbe } from '../../support/probe-run.js';
import { judgeFrame, parseError, statuses } from '../../support/judge.js';

const registry = createRegistry([serviceResource]);
const service = resourceFunction(serviceResource);

interface Recording {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

function recording(path: string): Recording {
  return JSON.parse(readFileSync(fixturePath(path), 'utf8')) as Recording;
}

const SHELLS = ['dash', 'bash', 'busybox sh'].filter((s) => {
  const [command, ...flags] = s.split(' ');
  return spawnSync(command!, [...flags, '-c', 'true']).status === 0;
});

/**
 * Runs the real service fragment with stub tools in front of PATH. Each stub prints the recording
 * chosen by its first argument (`*` for any), so the parser sees exactly what the fragment makes
 * of real tool output.
 */
function replayFrame(
  init: InitSystem,
  name: string,
  stubs: Record<string, Record<string, Recording>>,
  shell = 'dash',
): Frame {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-service-'));
  try {
    for (const [tool, cases] of Object.entries(stubs)) {
      const branches = Object.entries(cases).map(([arg, rec], i) => {
        writeFileSync(join(dir, `${tool}.${i}.out`), rec.stdout);
        writeFileSync(join(dir, `${tool}.${i}.err`), rec.stderr);
        return (
          `${arg === '*' ? '*' : `'${arg}'`}) cat '${dir}/${tool}.${i}.out'; cat '${dir}/${tool}.${i}.err' ` +
          `>&2; exit ${rec.exitCode} ;;`
        );
      });
      writeFileSync(
        join(dir, tool),
        `#!/bin/sh\ncase "$1" in\n${branches.join('\n')}\nesac\necho "stub ${tool}: unexpected $*" >&2; exit 99\n`,
      );
      chmodSync(join(dir, tool), 0o755);
    }
    const body = `PATH='${dir}':$PATH; DS_INIT=${init}\n${serviceGroupScript([name])}`;
    return runInProbe(body, { shell: shell.split(' ') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const DEBIAN = 'recorded/debian12';

function systemdFrame(name: string, show: string, isEnabled: string | Recording): Frame {
  const enabled = typeof isEnabled === 'string' ? recording(`${DEBIAN}/${isEnabled}.json`) : isEnabled;
  return replayFrame('systemd', name, {
    systemctl: { show: recording(`${DEBIAN}/${show}.json`), 'is-enabled': enabled },
  });
}

/** `fact` is a frame, or the frame of a check's own service where it depends on the name. */
const judge = (init: InitSystem, body: () => void, fact: Frame | ((name: string) => Frame)) =>
  judgeFrame(
    registry,
    body,
    (check) => (typeof fact === 'function' ? fact(String(check.subject)) : fact),
    hostFacts({ initSystem: init }),
  );

/** Every matcher that has no arguments, both ways: what a stopped or missing service must answer. */
function bothWays(name: string) {
  return () => {
    service(name).installed().not.installed();
    service(name).enabled().not.enabled();
    service(name).running().not.running();
  };
}

type SysvScript = 'present' | 'absent' | 'not-executable';

/** The parts the sysvinit branch writes for one service, for parser branches a real machine cannot easily show. */
function sysvParts(
  name: string,
  links: string[],
  script: SysvScript,
  status?: { output: string; exitCode: number },
): PartSpec[] {
  const parts: PartSpec[] = [
    { name: 'start-links', stdout: [...links, '/etc/rcS.d/S*'].map((l) => `${l}\0`).join('') },
    { name: `script:${name}`, stdout: `${script}\n`, exitCode: script === 'present' ? 0 : 1 },
  ];
  if (status) parts.push({ name: `status:${name}`, stdout: `${status.output}\n`, exitCode: status.exitCode });
  return parts;
}

function sysvFrame(
  links: string[],
  script: SysvScript,
  status?: { output: string; exitCode: number },
): (name: string) => Frame {
  return (name) => partsFrame(sysvParts(name, links, script, status));
}

describe('service resource', () => {
  describe('subject', () => {
    for (const [bad, why] of [
      ['', /empty/],
      ['-ssh', /start with "-"/],
      ['ssh\n', /line break/],
      ['a\0b', /NUL/],
      ['../../bin/sh', /"\/"/],
    ] as const) {
      it(`refuses ${JSON.stringify(bad)} at plan time`, () => {
        expect(() => planSpecs([{ definition: spec('t', () => service(bad).running()) }], registry)).to.throw(
          SpecError,
          why,
        );
      });
    }

    it('exists() is the DSL spelling of installed', () => {
      const plan = planSpecs([{ definition: spec('t', () => service('ssh').exists().not.exists()) }], registry);
      expect(plan.checks.map((c) => [c.matcher, c.negated])).to.deep.equal([
        ['installed', false],
        ['installed', true],
      ]);
    });
  });

  describe('systemd (recorded on a booted Debian 12, replayed through the fragment)', () => {
    it('a running, enabled notify service', () => {
      const fact = systemdFrame('ssh.service', 'systemctl-show-ssh-running', 'systemctl-is-enabled-ssh');
      const results = judge(
        'systemd',
        () => {
          service('ssh.service').installed().enabled().running().not.masked();
          service('ssh.service')
            .property({ name: 'Type', value: 'notify' })
            .property({ name: 'ExecStart', value: /sshd -D/ })
            .property({ name: 'MainPID', value: { gt: 0 } });
          service('ssh.service')
            .activeState('active')
            .subState('running')
            .not.property({ name: 'Restart', value: 'no' });
        },
        fact,
      );
      expect(statuses(results)).to.deep.equal(Array(10).fill('passed'));
      const negated = judge('systemd', () => service('ssh.service').not.running().not.enabled(), fact);
      expect(negated.map((r) => r.message)).to.deep.equal([
        'expected service ssh.service not to be running, but it is active (running)',
        'expected service ssh.service not to be enabled, but systemctl is-enabled says "enabled"',
      ]);
    });

    it('an alias is judged by the unit it names', () => {
      const fact = systemdFrame('sshd', 'systemctl-show-sshd-alias', 'systemctl-is-enabled-sshd-alias');
      const [enabled] = judge('systemd', () => service('sshd').enabled(), fact);
      expect(enabled!.status).to.equal('passed');
      expect(enabled!.actual).to.equal('systemctl is-enabled says "alias"; it names ssh.service, which is "enabled"');
    });

    it('a stopped service gives positive evidence for not.running()', () => {
      const fact = systemdFrame('nginx', 'systemctl-show-nginx-stopped', 'systemctl-is-enabled-nginx-stopped');
      const results = judge('systemd', bothWays('nginx'), fact);
      expect(statuses(results)).to.deep.equal(['passed', 'failed', 'passed', 'failed', 'failed', 'passed']);
      expect(results[4]!.message).to.match(/but it is inactive \(dead\)$/);
    });

    it('a disabled service is not enabled, with the state in the failure', () => {
      const fact = systemdFrame('nginx', 'systemctl-show-nginx-disabled', 'systemctl-is-enabled-nginx-disabled');
      const results = judge('systemd', bothWays('nginx'), fact);
      expect(statuses(results)).to.deep.equal(['passed', 'failed', 'failed', 'passed', 'failed', 'passed']);
      expect(results[2]!.message).to.match(/but systemctl is-enabled says "disabled"$/);
    });

    it('a masked service is masked and not enabled, yet still running until stopped', () => {
      const fact = systemdFrame('cron', 'systemctl-show-cron-masked', 'systemctl-is-enabled-cron-masked');
      const results = judge(
        'systemd',
        () => service('cron').masked().enabled().not.enabled().running().installed(),
        fact,
      );
      expect(statuses(results)).to.deep.equal(['passed', 'failed', 'passed', 'passed', 'passed']);
      expect(results[0]!.actual).to.equal('LoadState=masked, systemctl is-enabled says "masked"');
    });

    it('static units are not enabled; a oneshot with RemainAfterExit is running (active (exited))', () => {
      const journald = systemdFrame(
        'systemd-journald',
        'systemctl-show-journald-static',
        'systemctl-is-enabled-journald-static',
      );
      expect(
        statuses(judge('systemd', () => service('systemd-journald').enabled().not.enabled().running(), journald)),
      ).to.deep.equal(['failed', 'passed', 'passed']);
      const oneshot = systemdFrame(
        'systemd-tmpfiles-setup',
        'systemctl-show-tmpfiles-setup-oneshot-exited',
        'systemctl-is-enabled-tmpfiles-setup-oneshot',
      );
      expect(
        statuses(
          judge(
            'systemd',
            () =>
              service('systemd-tmpfiles-setup')
                .running()
                .subState('exited')
                .property({ name: 'Type', value: 'oneshot' }),
            oneshot,
          ),
        ),
      ).to.deep.equal(['passed', 'passed', 'passed']);
    });

    it('a failed unit is not running', () => {
      const isEnabled: Recording = {
        command: 'stand-in: is-enabled is not what this test reads',
        exitCode: 0,
        stdout: 'transient\n',
        stderr: '',
      };
      const fact = systemdFrame('drift-failing', 'systemctl-show-failed', isEnabled);
      const results = judge(
        'systemd',
        () => service('drift-failing').running().not.running().activeState('failed'),
        fact,
      );
      expect(statuses(results)).to.deep.equal(['failed', 'passed', 'passed']);
      expect(results[0]!.actual).to.equal('it is failed (failed)');
    });

    it('a unit systemd does not know: absent, and positive evidence for every negation', () => {
      for (const show of ['systemctl-show-nosuch', 'systemctl-show-nginx-package-removed']) {
        const name = show.includes('nginx') ? 'nginx' : 'nosuch';
        const fact = systemdFrame(name, show, 'systemctl-is-enabled-nosuch');
        const results = judge(
          'systemd',
          () => {
            bothWays(name)();
            service(name).not.masked();
          },
          fact,
        );
        expect(statuses(results)).to.deep.equal(['failed', 'passed', 'failed', 'passed', 'failed', 'passed', 'passed']);
        expect(results[0]!.message).to.match(/systemd has no unit (nosuch|nginx)\.service \(LoadState=not-found\)$/);
      }
    });

    it('a machine not booted with systemd is an error for every matcher, negated or not', () => {
      const local = recording('recorded/local-debian12-nosystemd/systemctl-show-ssh.json');
      const fact = replayFrame('systemd', 'ssh.service', {
        systemctl: {
          show: local,
          'is-enabled': recording('recorded/local-debian12-nosystemd/systemctl-is-enabled-ssh.json'),
        },
      });
      const results = judge('systemd', bothWays('ssh.service'), fact);
      expect(statuses(results)).to.deep.equal(Array(6).fill('error'));
      expect(results[5]!.message).to.match(/System has not been booted with systemd/);
    });

    it('a bus error, a missing systemctl or unparseable output is an error', () => {
      const busError: Recording = {
        command: 'systemctl show',
        exitCode: 1,
        stdout: '',
        stderr: 'Failed to connect to bus: No such file or directory\n',
      };
      const bus = replayFrame('systemd', 'ssh', { systemctl: { show: busError, 'is-enabled': busError } });
      expect(parseError(() => parseGroupedService(bus, 'systemd', 'ssh'))).to.match(
        /exited 1: Failed to connect to bus/,
      );
      const notFound = { exitCode: 127, stderr: 'sh: 1: systemctl: not found\n' };
      const missing = partsFrame([
        { name: 'units', stdout: 'ssh\n' },
        { name: 'show', ...notFound },
        { name: 'is-enabled', ...notFound },
      ]);
      expect(parseError(() => parseGroupedService(missing, 'systemd', 'ssh'))).to.match(/command not found/);
      const garbage = replayFrame('systemd', 'ssh', {
        systemctl: { '*': { command: '', exitCode: 0, stdout: 'hello\n', stderr: '' } },
      });
      expect(parseError(() => parseGroupedService(garbage, 'systemd', 'ssh'))).to.match(/no LoadState/);
      const other = partsFrame([{ name: 'units', stdout: 'cron\n' }]);
      expect(parseError(() => parseGroupedService(other, 'systemd', 'ssh'))).to.match(/does not list this service/);
      const noShow = partsFrame([{ name: 'units', stdout: 'ssh\n' }]);
      expect(parseError(() => parseGroupedService(noShow, 'systemd', 'ssh'))).to.match(/no part "show"/);
      expect(parseError(() => parseGroupedService(frame('Id=ssh.service\n'), 'systemd', 'ssh'))).to.match(
        /unexpected output/,
      );
    });

    it('an is-enabled failure or a bad unit file is an error for enabled() only', () => {
      const show = 'systemctl-show-ssh-running';
      const odd: Recording = {
        command: 'systemctl is-enabled',
        exitCode: 1,
        stdout: '',
        stderr: 'Failed to get unit file state for ssh.service: Access denied\n',
      };
      const results = judge(
        'systemd',
        () => service('ssh').enabled().not.enabled().running(),
        systemdFrame('ssh', show, odd),
      );
      expect(statuses(results)).to.deep.equal(['error', 'error', 'passed']);
      expect(results[0]!.message).to.match(/Access denied/);
      const bad: Recording = { command: 'systemctl is-enabled', exitCode: 1, stdout: 'bad\n', stderr: '' };
      expect(
        statuses(judge('systemd', () => service('ssh').enabled().not.enabled(), systemdFrame('ssh', show, bad))),
      ).to.deep.equal(['error', 'error']);
    });

    it('reads the state after sysv-install notes merged into the is-enabled output', () => {
      const redirect: Recording = {
        command: 'systemctl is-enabled -- cron',
        exitCode: 0,
        stdout:
          'cron.service is not a native service, redirecting to systemd-sysv-install.\nExecuting: ' +
          '/lib/systemd/systemd-sysv-install is-enabled cron\nenabled\n',
        stderr: '',
      };
      expect(
        statuses(
          judge(
            'systemd',
            () => service('cron').enabled(),
            systemdFrame('cron', 'systemctl-show-cron-running', redirect),
          ),
        ),
      ).to.deep.equal(['passed']);
    });

    it('property(): an unknown name is an error both ways, never a pass for not.property', () => {
      const fact = systemdFrame('ssh', 'systemctl-show-ssh-running', 'systemctl-is-enabled-ssh');
      const results = judge(
        'systemd',
        () =>
          service('ssh')
            .property({ name: 'type', value: 'notify' })
            .not.property({ name: 'NoSuchProperty', value: 'x' }),
        fact,
      );
      expect(statuses(results)).to.deep.equal(['error', 'error']);
      expect(results[1]!.message).to.match(/printed no property NoSuchProperty/);
    });

    it('property() args are validated at plan time', () => {
      expect(() =>
        planSpecs([{ definition: spec('t', () => service('ssh').property({ name: 'Type' } as never)) }], registry),
      ).to.throw(SpecError);
      expect(() =>
        planSpecs([{ definition: spec('t', () => service('ssh').property({ name: 'A B', value: 'x' })) }], registry),
      ).to.throw(SpecError, /property name/);
      const plan = planSpecs(
        [{ definition: spec('t', () => service('ssh').property({ name: 'ExecStart', value: /sshd/i })) }],
        registry,
      );
      expect(plan.checks[0]!.args).to.deep.equal({ name: 'ExecStart', value: { matches: 'sshd', flags: 'i' } });
      expect(plan.checks[0]!.title).to.equal('service ssh should have property ExecStart matching /sshd/i');
    });

    for (const shell of SHELLS) {
      it(`the fragment keeps both outputs and exit codes apart under ${shell}`, () => {
        const fact = replayFrame(
          'systemd',
          'nginx',
          {
            systemctl: {
              show: recording(`${DEBIAN}/systemctl-show-nginx-disabled.json`),
              'is-enabled': recording(`${DEBIAN}/systemctl-is-enabled-nginx-disabled.json`),
            },
          },
          shell,
        );
        const parsed = parseGroupedService(fact, 'systemd', 'nginx') as Extract<ServiceFact, { init: 'systemd' }>;
        expect([parsed.unitFileState, parsed.properties.ActiveState, parsed.properties.Id]).to.deep.equal([
          'disabled',
          'inactive',
          'nginx.service',
        ]);
      });
    }
  });

  describe('sysvinit', () => {
    // The fragment merges the script's stderr into its output.
    const asStatus = (r: Recording) => ({ output: `${r.stdout}${r.stderr}`.replace(/\n$/, ''), exitCode: r.exitCode });
    const running = asStatus(recording('recorded/local-debian12-nosystemd/init.d-ssh-status-running.json'));
    const stopped = asStatus(recording('recorded/local-debian12-nosystemd/init.d-ssh-status-stopped.json'));
    const links = [
      '/etc/rc2.d/S01ssh',
      '/etc/rc3.d/S01ssh',
      '/etc/rc2.d/S01sshd',
      '/etc/rc2.d/S02ssh-agent',
      '/etc/rc0.d/K01ssh',
      '/etc/rcS.d/S01procps',
    ];

    it('reads LSB status 0 as running and 3 as not running (recorded on this kind of machine)', () => {
      const up = judge('sysvinit', () => service('ssh').running().not.running(), sysvFrame(links, 'present', running));
      expect(statuses(up)).to.deep.equal(['passed', 'failed']);
      expect(up[1]!.actual).to.equal('it is running (LSB status 0: "sshd is running.")');
      const down = judge(
        'sysvinit',
        () => service('ssh').running().not.running(),
        sysvFrame(links, 'present', stopped),
      );
      expect(statuses(down)).to.deep.equal(['failed', 'passed']);
    });

    it('counts only S<nn><name> links in rcS.d and rc2.d–rc5.d as enabled', () => {
      const fact = parseGroupedService(sysvFrame(links, 'present', running)('ssh.service'), 'sysvinit', 'ssh.service');
      expect(fact).to.include({ name: 'ssh', script: 'present' });
      expect((fact as Extract<ServiceFact, { init: 'sysvinit' }>).startLinks).to.deep.equal([
        '/etc/rc2.d/S01ssh',
        '/etc/rc3.d/S01ssh',
      ]);
      expect(
        statuses(judge('sysvinit', () => service('procps').enabled(), sysvFrame(links, 'present', running))),
      ).to.deep.equal(['passed']);
      const unlinked = judge(
        'sysvinit',
        () => service('cron').enabled().not.enabled(),
        sysvFrame(links, 'present', running),
      );
      expect(statuses(unlinked)).to.deep.equal(['failed', 'passed']);
      expect(unlinked[0]!.actual).to.match(/no S<nn>cron start link/);
    });

    it('LSB status 1 and 2 are not running; 4 and undefined codes are errors', () => {
      for (const code of [1, 2]) {
        expect(
          statuses(
            judge(
              'sysvinit',
              () => service('ssh').running().not.running(),
              sysvFrame([], 'present', { output: 'x', exitCode: code }),
            ),
          ),
        ).to.deep.equal(['failed', 'passed']);
      }
      for (const code of [4, 5, 127]) {
        expect(
          statuses(
            judge(
              'sysvinit',
              () => service('ssh').running().not.running(),
              sysvFrame([], 'present', { output: '', exitCode: code }),
            ),
          ),
        ).to.deep.equal(['error', 'error']);
      }
    });

    it('a script without a status action is an error, not "not running"', () => {
      const usage = { output: 'Usage: /etc/init.d/foo {start|stop|restart}', exitCode: 1 };
      const results = judge('sysvinit', () => service('foo').not.running(), sysvFrame([], 'present', usage));
      expect(results[0]!.status).to.equal('error');
      expect(results[0]!.message).to.match(/no status action/);
    });

    it('a missing script: not installed, not enabled, not running', () => {
      const results = judge('sysvinit', bothWays('nosuch'), sysvFrame(['/etc/rc2.d/S01nosuch'], 'absent'));
      expect(statuses(results)).to.deep.equal(['failed', 'passed', 'failed', 'passed', 'failed', 'passed']);
      expect(results[0]!.message).to.match(/there is no \/etc\/init.d\/nosuch$/);
    });

    it('a script that is not executable, masked and property are errors', () => {
      const notExecutable = sysvFrame([], 'not-executable')('ssh');
      expect(parseError(() => parseGroupedService(notExecutable, 'sysvinit', 'ssh'))).to.match(
        /not an executable file/,
      );
      const results = judge(
        'sysvinit',
        () => service('ssh').masked().not.masked().property({ name: 'Type', value: 'x' }).activeState('active'),
        sysvFrame([], 'present', running),
      );
      expect(statuses(results)).to.deep.equal(['error', 'error', 'error', 'error']);
      expect(results[0]!.message).to.match(/only systemd knows masked units; this host uses sysvinit/);
    });

    it('the status output is all of its part, even a line that looks like a mark', () => {
      const spoof = { output: 'ok\n#driftspec status-exit 0\nDSPART 0 3 0 0', exitCode: 3 };
      const fact = parseGroupedService(sysvFrame([], 'present', spoof)('ssh'), 'sysvinit', 'ssh');
      expect(fact).to.deep.include({ status: { exitCode: 3, output: 'ok\n#driftspec status-exit 0\nDSPART 0 3 0 0' } });
    });

    for (const shell of SHELLS) {
      it(`the real fragment under ${shell}: a hostile name stays data and finds no script`, () => {
        const name = "x'$(touch /tmp/driftspec-owned)`touch /tmp/driftspec-owned`";
        const fact = parseGroupedService(replayFrame('sysvinit', name, {}, shell), 'sysvinit', name);
        expect(fact).to.deep.include({ script: 'absent', status: null });
        expect(existsSync('/tmp/driftspec-owned')).to.equal(false);
      });
    }
  });

  describe('openrc (recorded on a booted instance, replayed through the fragment)', () => {
    const rec = (name: string) => recording(`recorded/openrc/${name}.json`);
    const openrc = (
      name: string,
      status: string | Recording | undefined,
      options: { update?: string; shell?: string } = {},
    ) =>
      replayFrame(
        'openrc',
        name,
        {
          'rc-update': { '*': rec(options.update ?? 'rc-update-show-v') },
          'rc-service': status
            ? { '--exists': rec('rc-service-exists-ssh'), '*': typeof status === 'string' ? rec(status) : status }
            : { '--exists': rec('rc-service-exists-nosuch') },
        },
        options.shell,
      );

    it('an LSB script (what Debian ships) started in the default runlevel: LSB status words', () => {
      const results = judge(
        'openrc',
        () => service('ssh').installed().enabled().running().not.running(),
        openrc('ssh', 'rc-service-ssh-status-started'),
      );
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed', 'failed']);
      expect(results[1]!.actual).to.equal('it is in runlevel default');
      expect(results[2]!.actual).to.equal('it is running (LSB status 0: "sshd is running.")');
    });

    it('an LSB script stopped and taken out of its runlevel', () => {
      const results = judge(
        'openrc',
        bothWays('nginx'),
        openrc('nginx', 'rc-service-nginx-status-stopped', { update: 'rc-update-show-v-nginx-deleted' }),
      );
      expect(statuses(results)).to.deep.equal(['passed', 'failed', 'failed', 'passed', 'failed', 'passed']);
      expect(results[2]!.actual).to.equal('it is in no runlevel');
      expect(results[4]!.actual).to.equal('it is not running (LSB status 3): "nginx is not running ... failed!"');
    });

    it("a service only in Debian's shutdown runlevel off is not enabled", () => {
      const [result] = judge(
        'openrc',
        () => service('sendsigs').enabled(),
        openrc('sendsigs', 'rc-service-nginx-status-stopped'),
      );
      expect(result!.status).to.equal('failed');
      expect(result!.actual).to.equal('it is only in runlevel off');
    });

    it("an openrc-run script: openrc-run's own status words", () => {
      const started = judge(
        'openrc',
        () => service('dsdemo').running(),
        openrc('dsdemo', 'rc-service-dsdemo-status-started'),
      );
      expect(started[0]!).to.include({ status: 'passed', actual: 'it is started' });
      const stopped = judge(
        'openrc',
        () => service('dsdemo').running().not.running().enabled(),
        openrc('dsdemo', 'rc-service-dsdemo-status-stopped'),
      );
      expect(statuses(stopped)).to.deep.equal(['failed', 'passed', 'failed']);
      expect(stopped[0]!.actual).to.equal('it is stopped');
    });

    it('an openrc-run service whose supervise-daemon is gone is an error both ways', () => {
      const results = judge(
        'openrc',
        () => service('dsdemo').running().not.running(),
        openrc('dsdemo', 'rc-service-dsdemo-status-unsupervised'),
      );
      expect(statuses(results)).to.deep.equal(['error', 'error']);
      expect(results[0]!.message).to.match(/its supervise-daemon is gone, so whether it runs is unknown/);
    });

    // Status 32 as openrc-run.sh prints it: Debian's openrc starts daemons with dpkg's start-stop-daemon,
    // which registers none, so a booted Debian instance never shows it.
    it('crashed is not running', () => {
      const crashed = { command: 'rc-service crond status', exitCode: 32, stdout: '', stderr: ' * status: crashed\n' };
      const [result] = judge('openrc', () => service('crond').running(), openrc('crond', crashed));
      expect(result!).to.include({ status: 'failed', actual: 'it is crashed' });
    });

    it('a service openrc does not know', () => {
      expect(statuses(judge('openrc', bothWays('nosuch'), openrc('nosuch', undefined)))).to.deep.equal([
        'failed',
        'passed',
        'failed',
        'passed',
        'failed',
        'passed',
      ]);
    });

    it('a system openrc did not boot is an error for running, both ways', () => {
      const results = judge(
        'openrc',
        () => service('dsdemo').running().not.running().installed(),
        openrc('dsdemo', 'rc-service-status-not-booted'),
      );
      expect(statuses(results)).to.deep.equal(['error', 'error', 'passed']);
      expect(results[0]!.message).to.match(/openrc did not boot this system/);
    });

    it('rc-service failing on its own (the script gone after --exists) is an error both ways', () => {
      const results = judge(
        'openrc',
        () => service('nosuch').running().not.running(),
        openrc('nosuch', 'rc-service-nosuch-status'),
      );
      expect(statuses(results)).to.deep.equal(['error', 'error']);
      expect(results[0]!.message).to.match(
        /rc-service nosuch status failed: +\* rc-service: service `nosuch' does not exist/,
      );
    });

    it('masked is an error on openrc', () => {
      const [result] = judge(
        'openrc',
        () => service('ssh').not.masked(),
        openrc('ssh', 'rc-service-ssh-status-started'),
      );
      expect(result!.message).to.match(/only systemd knows masked units; this host uses openrc/);
    });

    for (const shell of SHELLS) {
      it(`the fragment under ${shell}`, () => {
        const fact = parseGroupedService(
          openrc('ssh.service', 'rc-service-ssh-status-started', { shell }),
          'openrc',
          'ssh.service',
        );
        expect(fact).to.deep.equal({
          init: 'openrc',
          name: 'ssh',
          exists: true,
          status: { exitCode: 0, output: 'sshd is running.' },
          runlevels: ['default'],
        });
      });
    }
  });

  describe('sysvinit (recorded on a booted instance)', () => {
    const rec = (name: string) => recording(`recorded/sysvinit/${name}.json`);
    /** The parts the fragment writes from these recordings: `2>&1` puts the status's stderr in its output. */
    const booted = (links: string, status: string) => (name: string) => {
      const ran = rec(status);
      return partsFrame([
        { name: 'start-links', stdout: rec(links).stdout },
        { name: `script:${name}`, stdout: 'present\n' },
        { name: `status:${name}`, stdout: `${ran.stdout}${ran.stderr}`, exitCode: ran.exitCode },
      ]);
    };

    it('ssh, cron and nginx enabled by their S01 links in rc2.d-rc5.d, and running', () => {
      for (const name of ['ssh', 'cron', 'nginx']) {
        const fact = booted('start-links', `init.d-${name}-status-running`);
        const results = judge('sysvinit', () => service(name).installed().enabled().running(), fact);
        expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed']);
        expect(results[1]!.actual).to.equal(
          `it has start links ${[2, 3, 4, 5].map((level) => `/etc/rc${level}.d/S01${name}`).join(', ')}`,
        );
      }
    });

    it('nginx stopped and disabled (update-rc.d): not running, not enabled', () => {
      const results = judge(
        'sysvinit',
        () => service('nginx').enabled().running().not.enabled().not.running(),
        booted('start-links-nginx-disabled', 'init.d-nginx-status-stopped'),
      );
      expect(statuses(results)).to.deep.equal(['failed', 'failed', 'passed', 'passed']);
      expect(results[1]!.actual).to.equal('it is not running (LSB status 3): "nginx is not running ... failed!"');
    });

    it('rcS.d links count: procps starts in every boot', () => {
      const results = judge(
        'sysvinit',
        () => service('procps').enabled(),
        booted('start-links', 'init.d-ssh-status-running'),
      );
      expect(results[0]!).to.include({ status: 'passed', actual: 'it has start links /etc/rcS.d/S08procps' });
    });
  });

  it('reads each service of a grouped sysvinit query from its own parts', () => {
    const ssh = sysvParts('ssh', ['/etc/rc2.d/S01ssh'], 'present', { output: 'sshd is running', exitCode: 0 });
    const cron = sysvParts('cron', [], 'absent').slice(1);
    const grouped = partsFrame([...ssh, ...cron]);
    expect(parseGroupedService(grouped, 'sysvinit', 'ssh')).to.deep.include({
      script: 'present',
      startLinks: ['/etc/rc2.d/S01ssh'],
    });
    expect(parseGroupedService(grouped, 'sysvinit', 'cron')).to.deep.include({
      script: 'absent',
      status: null,
      startLinks: [],
    });
    expect(parseError(() => parseGroupedService(grouped, 'sysvinit', 'nginx'))).to.match(/no part "script:nginx"/);
  });

  it('a host without a known init system is an error', () => {
    for (const shell of SHELLS) {
      expect(parseError(() => parseGroupedService(replayFrame('none', 'ssh', {}, shell), 'none', 'ssh'))).to.match(
        /no supported init system/,
      );
    }
  });
});
