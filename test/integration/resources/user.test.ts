import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { runHost } from '../../../src/engine/run-host.js';
import { createRegistry } from '../../../src/resources/index.js';
import { runInProbe } from '../../support/probe-run.js';
import { groupResource } from '../../../src/resources/group/index.js';
import { parseGroupFact } from '../../../src/resources/group/index.js';
import {
  parseUserAccount,
  parseUserKeys,
  parseUserMembership,
  parseUserShadow,
  userResource,
} from '../../../src/resources/user/index.js';
import type { Frame } from '../../../src/probe/frames.js';
import { hostFacts } from '../../support/frames.js';
import type { HostResult } from '../../../src/results/schema.js';
import { LocalTarget } from '../../../src/targets/local.js';
import { isRoot, requireInCi } from '../../support/environment.js';
import { outcomes, runLocally } from '../../support/local.js';

const user = resourceFunction(userResource);
const group = resourceFunction(groupResource);
const RESOURCES = [userResource, groupResource];
const registry = createRegistry(RESOURCES);

const HOSTILE = "x'$(touch /tmp/owned)";
const NUMERIC = '4242042';
const MEMBER = 'ds-user-it-member';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIntegrationTestOnlyNotARealKey000000000000 it@example';

/** Created when the tests run (not when mocha loads this file), removed after them. */
let work = '';
let HOME = '';

/** dash (Debian's sh), bash, and BusyBox ash through an `sh` link (BusyBox picks the applet by name). */
const SHELLS = existsSync('/usr/bin/busybox') ? ['dash', 'bash', 'busybox ash'] : ['dash', 'bash'];

function shellPath(label: string): string {
  if (label === 'dash') return '/bin/sh';
  if (label === 'bash') return '/bin/bash';
  const link = join(work, 'busybox', 'sh');
  if (!existsSync(link)) {
    mkdirSync(join(work, 'busybox'));
    symlinkSync('/usr/bin/busybox', link);
  }
  return link;
}

/** A shell that runs the probe as nobody. */
function nobodyShell(): string {
  const path = join(work, 'as-nobody');
  if (!existsSync(path)) writeFileSync(path, '#!/bin/sh\nexec runuser -u nobody -- /bin/sh "$@"\n', { mode: 0o755 });
  return path;
}

async function runWith(shell: string, body: () => void): Promise<HostResult> {
  const plan = planSpecs([{ definition: spec('test', body) }], registry);
  return runHost(plan, new LocalTarget(shell), { registry, commandTimeoutMs: 60_000 });
}

/** Runs one fact fragment as if the target had no getent (BusyBox systems often have none). */
function withoutGetent(shell: string, script: string): Frame {
  const preamble = 'ds_has() { [ "$1" != getent ] && command -v "$1" >/dev/null 2>&1; }';
  return runInProbe(`${preamble}\n${script}`, { shell: [shell] });
}

function run(command: string, ...args: string[]): void {
  execFileSync(command, args, { stdio: 'pipe' });
}

function removeAccounts(): void {
  for (const name of [HOSTILE, NUMERIC, MEMBER]) spawnSync('userdel', [name], { stdio: 'ignore' });
}

describe('user resource on this machine', function () {
  this.timeout(60_000);

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'driftspec-user-it-'));
    HOME = join(work, `home of 'x' $(touch /tmp/owned)`);
  });

  after(() => {
    if (isRoot()) removeAccounts();
    work && rmSync(work, { recursive: true, force: true });
  });

  it('passes known-true and fails known-false checks on root', async () => {
    const result = await runLocally(() => {
      user('root')
        .exists()
        .uid(0)
        .gid(0)
        .group('root')
        .groups({ contains: ['root'] })
        .home('/root')
        .not.exists();
      user('ds-no-such-user-here').not.exists().exists().uid({ ge: 0 });
      user('root').uid(1).memberOf('ds-no-such-group');
    }, RESOURCES);
    expect(outcomes(result).map((o) => o.split(':')[0])).to.deep.equal([
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'failed',
      'passed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
    expect(result.execCount).to.equal(1);
  });

  describe('with odd-but-valid accounts created for the test (root only)', () => {
    before(function () {
      if (!isRoot()) return requireInCi(this, 'creating users needs root');
      removeAccounts();
      if (existsSync('/tmp/owned')) throw new Error('/tmp/owned exists before the test; remove it');
      run('useradd', '--badname', '-M', '-N', '-d', HOME, '-s', '/bin/sh', '-G', 'audio', HOSTILE);
      run('chage', '-M', '90', '-m', '7', '-W', '14', '-I', '30', '-E', '2030-01-31', HOSTILE);
      mkdirSync(join(HOME, '.ssh'), { recursive: true });
      writeFileSync(join(HOME, '.ssh', 'authorized_keys'), `# test\nno-pty ${KEY}\n`);
      run('useradd', '--badname', '-M', '-N', '-s', '/bin/false', NUMERIC);
      run('useradd', '-M', '-N', '-G', 'audio', MEMBER);
    });

    for (const label of SHELLS) {
      it(`reads every fact of a user named ${JSON.stringify(HOSTILE)} as data under ${label}`, async () => {
        const result = await runWith(shellPath(label), () => {
          user(HOSTILE)
            .exists()
            .uid({ ge: 1000 })
            .group('users')
            .groups({ contains: ['users', 'audio'] })
            .home(HOME)
            .shell('/bin/sh');
          user(HOSTILE)
            .authorizedKey({ key: KEY })
            .authorizedKey({ key: KEY.split(' ')[1]! })
            .not.authorizedKey({ key: 'AAAAC3other' });
          user(HOSTILE).maxDays(90).minDays(7).warnDays(14).inactiveDays(30).expiresOn('2030-01-31').passwordLocked();
          user(HOSTILE).not.groups({ contains: 'sudo' }).groups({ contains: 'sudo' }).maxDays({ gt: 90 });
        });
        expect(
          outcomes(result)
            .filter((o) => !o.startsWith('passed'))
            .map((o) => o.split(':')[0]),
        ).to.deep.equal(['failed', 'failed']);
        expect(existsSync('/tmp/owned'), 'the name ran as code').to.equal(false);
        expect(JSON.stringify(result.evidence)).to.not.match(/\$y\$|\$6\$/);
      });

      it(`finds a user named ${NUMERIC}, which getent would read as a uid, under ${label}`, async () => {
        const result = await runWith(shellPath(label), () => {
          user(NUMERIC).exists().shell('/bin/false').authorizedKey({ key: 'AAAA' });
          group(NUMERIC).not.exists();
        });
        expect(outcomes(result).map((o) => o.split(':')[0])).to.deep.equal(['passed', 'passed', 'failed', 'passed']);
        expect(result.results[2]!.message).to.match(/authorized_keys does not exist/);
      });
    }

    for (const label of SHELLS) {
      it(`reads /etc/passwd, /etc/group and /etc/shadow itself where there is no getent, under ${label}`, () => {
        const shell = shellPath(label);
        const fact = (name: string, which: string) => withoutGetent(shell, userResource.facts[which]!(name, {}).script);
        expect(parseUserAccount(fact(HOSTILE, 'account'), HOSTILE)).to.deep.nested.include({ 'entry.home': HOME });
        expect(parseUserAccount(fact(NUMERIC, 'account'), NUMERIC)).to.deep.nested.include({
          'entry.shell': '/bin/false',
        });
        expect(parseUserAccount(fact('ds-no-such-user', 'account'), 'ds-no-such-user').exists).to.equal(false);
        expect(parseUserMembership(fact(HOSTILE, 'membership'), HOSTILE)).to.deep.include({
          primaryGroup: 'users',
          groups: ['users', 'audio'],
        });
        expect(parseUserShadow(fact(HOSTILE, 'shadow'), HOSTILE, hostFacts({ uid: 0 }))).to.deep.include({
          password: 'locked',
          maxDays: 90,
          inactiveDays: 30,
        });
        expect(
          parseUserShadow(fact('ds-no-such-user', 'shadow'), 'ds-no-such-user', hostFacts({ uid: 0 })).exists,
        ).to.equal(false);
        expect(parseUserKeys(fact(HOSTILE, 'authorizedKeys'), HOSTILE)).to.deep.include({ fileExists: true });
        expect(parseUserKeys(fact(NUMERIC, 'authorizedKeys'), NUMERIC)).to.deep.include({
          exists: true,
          fileExists: false,
        });
        expect(parseUserKeys(fact('ds-no-such-user', 'authorizedKeys'), 'ds-no-such-user').exists).to.equal(false);
        expect(
          parseGroupFact(withoutGetent(shell, groupResource.facts.entry!('audio', {}).script), 'audio'),
        ).to.deep.nested.include({ 'entry.gid': 29 });
        expect(existsSync('/tmp/owned')).to.equal(false);
      });
    }

    it('lists the member in the group it joined', async () => {
      const result = await runLocally(() => {
        group('audio').members({ contains: MEMBER });
        user(MEMBER)
          .groups({ contains: ['users', 'audio'] })
          .group('users');
      }, RESOURCES);
      expect(
        outcomes(result).every((o) => o.startsWith('passed')),
        outcomes(result).join('\n'),
      ).to.equal(true);
    });

    it('makes shadow and unreadable key checks an error, not absence, when not root', async () => {
      const result = await runWith(nobodyShell(), () => {
        user('root').exists().maxDays(99999).not.passwordLocked().not.expiresOn('2030-01-01');
        user('root').not.authorizedKey({ key: KEY });
      });
      expect(outcomes(result).map((o) => o.split(':')[0])).to.deep.equal([
        'passed',
        'error',
        'error',
        'error',
        'error',
      ]);
      expect(result.results[1]!.message).to.match(/need root.*sudo/);
      expect(result.results[4]!.message).to.match(/Permission denied/);
    });
  });
});
