import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { z } from 'zod';
import { isSpecError } from '../../../src/inputs/input-error.js';
import { buildProbeScript } from '../../../src/probe/script.js';
import {
  loadSudoSettings,
  plainLaunch,
  PROBE_START_LINE,
  Secret,
  sudoLaunch,
  SudoUserSchema,
  type ProbeLaunch,
  type SudoSettings,
} from '../../../src/targets/privilege.js';
import type { ExecResult } from '../../../src/targets/target.js';
import { fixturePath } from '../../support/frames.js';

const context = { shell: '/bin/sh', loginUser: 'auditor' };
const PASSWORD = 'pw-auditor-secret';

const RecordingSchema = z.object({
  command: z.string(),
  exitCode: z.number().int(),
  stdout: z.string(),
  stderr: z.string(),
});

function recording(name: string): z.infer<typeof RecordingSchema> {
  return RecordingSchema.parse(JSON.parse(readFileSync(fixturePath(`recorded/debian12/${name}.json`), 'utf8')));
}

function execResult(stdout: string | Buffer, stderr: string, exitCode: number | null, timedOut = false): ExecResult {
  return {
    stdout: Buffer.isBuffer(stdout) ? stdout : Buffer.from(stdout),
    stderr: Buffer.from(stderr),
    exitCode,
    signal: null,
    timedOut,
  };
}

function replay(name: string, launch: ProbeLaunch): string | undefined {
  const recorded = recording(name);
  return launch.diagnose(execResult(recorded.stdout, recorded.stderr, recorded.exitCode));
}

/** Login shells sshd may start the command with. */
const LOGIN_SHELLS = ['/bin/sh', '/bin/bash'].filter((shell) => existsSync(shell));

/** What a login shell makes of the command line: the words `sudo` is started with, one per element. */
function wordsSudoGets(command: string, shell: string): string[] {
  const script = `sudo() { printf '%s\\0' "$@"; }\n${command}\n`;
  const run = spawnSync(shell, ['-c', script], { input: '', encoding: 'buffer' });
  expect(run.status, run.stderr.toString()).to.equal(0);
  return run.stdout.toString('utf8').split('\0').slice(0, -1);
}

describe('privilege: the probe through sudo', () => {
  describe('the command', () => {
    it('without sudo is the plain shell reading stdin', () => {
      const launch = plainLaunch('/bin/sh');
      expect(launch.command).to.equal('/bin/sh -s');
      expect(launch.argv).to.deep.equal(['/bin/sh', '-s']);
      expect(launch.stdinPrefix()).to.equal('');
    });

    it('is sudo -n around the shell when there is no password', () => {
      const launch = sudoLaunch({}, context);
      expect(launch.command).to.equal('sudo -n -- /bin/sh -s');
      expect(launch.argv).to.deep.equal(['sudo', '-n', '--', '/bin/sh', '-s']);
      expect(launch.stdinPrefix()).to.equal('');
    });

    it('names the --sudo-user as one quoted word', () => {
      const launch = sudoLaunch({ user: 'postgres' }, context);
      expect(launch.command).to.equal("sudo -n -u 'postgres' -- /bin/sh -s");
      expect(launch.argv).to.deep.equal(['sudo', '-n', '-u', 'postgres', '--', '/bin/sh', '-s']);
    });

    it('with a password: sudo -S with an empty prompt, the password only as the first line of stdin', () => {
      const launch = sudoLaunch({ password: new Secret(PASSWORD) }, context);
      expect(launch.command).to.match(/^sudo -S -p '' -- \/bin\/sh -c '/);
      expect(launch.argv.slice(0, 7)).to.deep.equal(['sudo', '-S', '-p', '', '--', '/bin/sh', '-c']);
      expect(launch.stdinPrefix()).to.equal(`${PASSWORD}\n${PROBE_START_LINE}\n`);
      expect(launch.command).not.to.include(PASSWORD);
      expect(launch.argv.join(' ')).not.to.include(PASSWORD);
    });

    const hostileUsers = [
      "x'; touch PWNED; '",
      '$(touch PWNED)',
      '`touch PWNED`',
      'a b\tc',
      '-n',
      '--',
      '#0',
      '*',
      'a"b\\c$HOME',
      '; touch PWNED',
    ];
    for (const password of [undefined, PASSWORD]) {
      for (const user of hostileUsers) {
        const withPassword = password ? ' (with a password)' : '';
        it(`keeps the --sudo-user ${JSON.stringify(user)} data${withPassword}: the shell hands sudo exact argv`, () => {
          const dir = mkdtempSync(join(tmpdir(), 'driftspec-sudo-user-'));
          const settings: SudoSettings = { user, ...(password ? { password: new Secret(password) } : {}) };
          const launch = sudoLaunch(settings, context);
          for (const shell of LOGIN_SHELLS) {
            const words = wordsSudoGets(`cd '${dir}' && ${launch.command}`, shell);
            expect(words, shell).to.deep.equal(launch.argv.slice(1));
            expect(words[words.indexOf('-u') + 1], shell).to.equal(user);
          }
          expect(existsSync(join(dir, 'PWNED'))).to.equal(false);
        });
      }
    }

    it('refuses a --sudo-user that is empty or holds control characters', () => {
      expect(SudoUserSchema.safeParse('').success).to.equal(false);
      expect(SudoUserSchema.safeParse('a\nb').success).to.equal(false);
      expect(SudoUserSchema.safeParse("o'brien $(x)").success).to.equal(true);
    });

    it('takes the shell only as a plain absolute path', () => {
      expect(() => plainLaunch('/bin/sh; rm -rf /')).to.throw(/plain absolute path/);
      expect(() => sudoLaunch({}, { ...context, shell: 'sh' })).to.throw(/plain absolute path/);
    });
  });

  describe('the password line when sudo does not ask for it', () => {
    /** The wrapper runs under a plain sh here, as it does under sudo when a NOPASSWD rule applies. */
    function runWrapper(stdin: string): { status: number | null; stdout: string; stderr: string } {
      const launch = sudoLaunch({ password: new Secret(PASSWORD) }, context);
      const [, , , , , shell, dashC, wrapper] = launch.argv;
      const run = spawnSync(shell!, [dashC!, wrapper!], { input: stdin, encoding: 'utf8' });
      return { status: run.status, stdout: run.stdout, stderr: run.stderr };
    }

    it('is read and dropped, never run as a command nor echoed', () => {
      const run = runWrapper(`${PASSWORD}\n${PROBE_START_LINE}\necho probe ran\n`);
      expect(run).to.deep.equal({ status: 0, stdout: 'probe ran\n', stderr: '' });
    });

    it('is not expected when sudo consumed it', () => {
      expect(runWrapper(`${PROBE_START_LINE}\necho probe ran\n`)).to.deep.include({ status: 0, stdout: 'probe ran\n' });
    });

    it('runs the whole probe script after it, not just one line', () => {
      const script = buildProbeScript([{ id: 'q1', script: 'echo one' }]);
      const run = runWrapper(`${PASSWORD}\n${PROBE_START_LINE}\n${script}`);
      expect(run.stdout)
        .to.match(/^DSFRAME host 0 /)
        .and.match(/DSFRAME q1 0 4 0\none\nDSEND\n$/);
    });

    it('runs nothing when the start line does not follow', () => {
      const run = runWrapper(`${PASSWORD}\nsecond\necho probe ran\n`);
      expect(run.status).to.equal(125);
      expect(run.stdout).to.equal('');
      expect(run.stderr).not.to.include(PASSWORD);
    });
  });

  describe('sudo refusals, as sudo 1.9 printed them on Debian 12', () => {
    const nopass = sudoLaunch({}, context);
    const withPassword = sudoLaunch({ password: new Secret(PASSWORD) }, context);
    const asUnknownUser = sudoLaunch({ user: 'nosuchuser' }, context);

    it('the recordings ran the commands driftspec builds', () => {
      expect(recording('sudo-n-password-required').command).to.include(nopass.command);
      expect(recording('sudo-S-wrong-password').command).to.include(withPassword.command);
      expect(recording('sudo-n-unknown-user').command).to.include(asUnknownUser.command);
    });

    const cases: { fixture: string; launch: ProbeLaunch; says: RegExp; remedy: string }[] = [
      {
        fixture: 'sudo-n-password-required',
        launch: nopass,
        says: /sudo needs a password for auditor/,
        remedy: 'set DRIFTSPEC_SUDO_PASSWORD',
      },
      {
        fixture: 'sudo-n-password-required',
        launch: nopass,
        says: /may not use sudo at all/,
        remedy: '"auditor ALL=(root) NOPASSWD: /bin/sh" in /etc/sudoers.d',
      },
      {
        fixture: 'sudo-n-not-in-sudoers',
        launch: nopass,
        says: /sudo needs a password for auditor/,
        remedy: 'NOPASSWD',
      },
      { fixture: 'sudo-n-not-allowed', launch: nopass, says: /sudo needs a password for auditor/, remedy: 'NOPASSWD' },
      {
        fixture: 'sudo-n-true-nonroot-unresolvable-host',
        launch: nopass,
        says: /sudo needs a password/,
        remedy: 'DRIFTSPEC_SUDO_PASSWORD',
      },
      {
        fixture: 'sudo-n-requiretty',
        launch: nopass,
        says: /requires a terminal \(requiretty\)/,
        remedy: '"Defaults:auditor !requiretty"',
      },
      {
        fixture: 'sudo-S-requiretty',
        launch: withPassword,
        says: /requires a terminal \(requiretty\)/,
        remedy: '"Defaults:auditor !requiretty"',
      },
      {
        fixture: 'sudo-n-unknown-user',
        launch: asUnknownUser,
        says: /sudo does not know the user "nosuchuser"/,
        remedy: '--sudo-user',
      },
      {
        fixture: 'sudo-S-wrong-password',
        launch: withPassword,
        says: /sudo refused the password in DRIFTSPEC_SUDO_PASSWORD/,
        remedy: "auditor's password",
      },
      {
        fixture: 'sudo-S-not-in-sudoers',
        launch: withPassword,
        says: /auditor may not use sudo on this host/,
        remedy: '"auditor ALL=(root) /bin/sh" in /etc/sudoers.d',
      },
      {
        fixture: 'sudo-S-not-allowed',
        launch: withPassword,
        says: /sudo does not allow auditor to run \/bin\/sh as root/,
        remedy: 'a sudoers rule such as',
      },
      {
        fixture: 'sudo-missing-dash',
        launch: nopass,
        says: /sudo is not installed on this host/,
        remedy: 'install it, or run driftspec as root without --sudo',
      },
      {
        fixture: 'sudo-missing-bash',
        launch: nopass,
        says: /sudo is not installed on this host/,
        remedy: 'install it',
      },
    ];
    for (const { fixture, launch, says, remedy } of cases) {
      it(`${fixture}: ${says.source.replace(/\\/g, '')}, with the remedy`, () => {
        const message = replay(fixture, launch);
        expect(message).to.match(says);
        expect(message).to.include(remedy);
        const sudoWords = recording(fixture)
          .stderr.split('\n')
          .find((line) => line !== '' && !line.includes('unable to resolve host'))!;
        expect(message).to.include(`[${sudoWords.slice(0, 40)}`);
      });
    }

    it('quotes sudo without its "unable to resolve host" warning', () => {
      const message = replay('sudo-n-true-nonroot-unresolvable-host', nopass);
      expect(message).to.include('[sudo: a password is required]');
      expect(message).not.to.include('unable to resolve host');
    });

    for (const fixture of ['sudo-n-probe-nopasswd', 'sudo-S-password-accepted', 'sudo-S-password-not-asked']) {
      it(`${fixture}: sudo ran the command, nothing to report`, () => {
        expect(replay(fixture, fixture.startsWith('sudo-S') ? withPassword : nopass)).to.equal(undefined);
      });
    }

    it('leaves stderr to the probe once the host frame arrived, also with sudo-like text on it', () => {
      const probeOutput = buildProbeOutput();
      const stderr = 'sudo: unable to resolve host img1: Name or service not known\nsudo: a password is required\n';
      expect(nopass.diagnose(execResult(probeOutput, stderr, 0))).to.equal(undefined);
    });

    it('does not take the "unable to resolve host" warning alone for a refusal', () => {
      const stderr =
        'sudo: unable to resolve host img1: Name or service not known\n' +
        'driftspec probe: cannot create a temporary directory\n';
      expect(nopass.diagnose(execResult('', stderr, 90))).to.equal(undefined);
    });

    it('leaves a timed-out probe to the engine', () => {
      expect(nopass.diagnose(execResult('', 'sudo: a password is required\n', null, true))).to.equal(undefined);
    });

    it("reports other sudo failures in sudo's words", () => {
      const message = nopass.diagnose(
        execResult('', 'sudo: /etc/sudoers.d/x is world writable\nsudo: no valid sudoers sources found, quitting\n', 1),
      );
      expect(message).to.equal(
        'sudo did not run the probe as root (exit 1) [sudo: /etc/sudoers.d/x is world writable / sudo: no valid ' +
          'sudoers sources found, quitting]',
      );
    });

    it('never repeats the password, whatever sudo printed', () => {
      const message = withPassword.diagnose(execResult('', `sudo: something odd about ${PASSWORD}\n`, 1));
      expect(message).to.include('[secret]').and.not.include(PASSWORD);
    });

    it('says nothing when sudo is not used', () => {
      expect(plainLaunch('/bin/sh').diagnose(execResult('', 'sudo: a password is required\n', 1))).to.equal(undefined);
    });

    it('explains a local sudo that cannot be started', () => {
      const error = nopass.startFailure(Object.assign(new Error('spawn sudo ENOENT'), { code: 'ENOENT' }));
      expect(error.name).to.equal('PrivilegeError');
      expect(error.message).to.include('sudo is not installed on this host');
    });
  });

  describe('settings', () => {
    it('are absent without --sudo or --sudo-user, whatever the environment says', () => {
      expect(loadSudoSettings({}, { DRIFTSPEC_SUDO_PASSWORD: PASSWORD })).to.equal(undefined);
    });

    it('--sudo-user implies --sudo', () => {
      expect(loadSudoSettings({ sudoUser: 'postgres' }, {})).to.deep.equal({ user: 'postgres' });
    });

    it('take the password from DRIFTSPEC_SUDO_PASSWORD only; an empty one is no password', () => {
      expect(loadSudoSettings({ sudo: true }, {})).to.deep.equal({});
      expect(loadSudoSettings({ sudo: true }, { DRIFTSPEC_SUDO_PASSWORD: '' })).to.deep.equal({});
      expect(loadSudoSettings({ sudo: true }, { DRIFTSPEC_SUDO_PASSWORD: PASSWORD })?.password?.reveal()).to.equal(
        PASSWORD,
      );
    });

    it('refuse a password with a line break (exit 78), without showing it', () => {
      let caught: unknown;
      try {
        loadSudoSettings({ sudo: true }, { DRIFTSPEC_SUDO_PASSWORD: 'first\nsecond' });
      } catch (error) {
        caught = error;
      }
      expect(isSpecError(caught)).to.equal(true);
      expect((caught as Error).message)
        .to.include('DRIFTSPEC_SUDO_PASSWORD')
        .and.not.include('first');
    });

    it('keep the password out of JSON, strings and inspection', () => {
      const settings = loadSudoSettings({ sudo: true }, { DRIFTSPEC_SUDO_PASSWORD: PASSWORD })!;
      for (const shown of [
        JSON.stringify(settings),
        String(settings.password),
        inspect(settings, { depth: 5, showHidden: true }),
      ]) {
        expect(shown).not.to.include(PASSWORD);
      }
    });
  });
});

/** A probe's real output: host frame first, as the shell prints it. */
function buildProbeOutput(): Buffer {
  const run = spawnSync('/bin/sh', ['-s'], { input: buildProbeScript([]) });
  return run.stdout;
}
