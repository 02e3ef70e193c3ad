import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { resourceFunction } from '../../../src/dsl/spec.js';
import type { Frame } from '../../../src/probe/frames.js';
import type { HostFacts } from '../../../src/probe/host.js';
import { createRegistry } from '../../../src/resources/index.js';
import { FactError } from '../../../src/resources/resource.js';
import { parseGroupFact } from '../../../src/resources/group/index.js';
import {
  authorizedKeyMatches,
  formatShadowDate,
  looksNumeric,
  parseAuthorizedKeyLine,
  parseAuthorizedKeys,
  parseSections,
  parseUserAccount,
  parseUserKeys,
  parseUserMembership,
  parseUserShadow,
  userResource,
} from '../../../src/resources/user/index.js';
import { fixturePath, frame, hostFacts, partsFrame, recordedFrame, sectionsFrame } from '../../support/frames.js';
import { runInProbe } from '../../support/probe-run.js';
import { lookupParts, nameParts } from '../../../src/resources/accounts/index.js';
import { partsScript } from '../../../src/probe/parts.js';
import { judgeFrame, parseError, statuses } from '../../support/judge.js';

const registry = createRegistry([userResource]);
const user = resourceFunction(userResource);

const judge = (body: () => void, fact: Frame, host?: HostFacts) => judgeFrame(registry, body, fact, host);

/** A getent recording from the booted instance, framed the way the probe fragment frames it. */
function section(database: string, mode: 'lookup' | 'table', recording: string): string {
  const r = JSON.parse(readFileSync(fixturePath(`recorded/debian12/${recording}.json`), 'utf8')) as {
    stdout: string;
    exitCode: number;
  };
  return `@@${database} ${mode}\n${r.stdout}\n@@exit ${r.exitCode}\n`;
}

const local = (name: string) => recordedFrame(`local/user/${name}.json`);

describe('user resource', () => {
  describe('account (getent passwd -- NAME)', () => {
    it('reads a present user from the recorded instance', () => {
      const fact = parseUserAccount(sectionsFrame(section('passwd', 'lookup', 'getent-passwd-root')), 'root');
      expect(fact).to.deep.equal({
        exists: true,
        entry: { name: 'root', uid: 0, gid: 0, gecos: 'root', home: '/root', shell: '/bin/bash' },
      });
    });

    it('takes exit 2 as positive evidence of absence', () => {
      const fact = parseUserAccount(
        sectionsFrame(section('passwd', 'lookup', 'getent-passwd-nosuchuser')),
        'nosuchuser',
      );
      expect(fact.exists).to.equal(false);
    });

    it('reads the local recordings of the real fragment', () => {
      expect(parseUserAccount(local('account-root'), 'root')).to.have.property('exists', true);
      expect(parseUserAccount(local('account-nosuchuser'), 'nosuchuser')).to.have.property('exists', false);
    });

    it('looks a numeric name up in the whole table, where getent would resolve it as a uid', () => {
      expect(looksNumeric('0')).to.equal(true);
      expect(looksNumeric(' +12')).to.equal(true);
      expect(looksNumeric('0x10')).to.equal(false);
      expect(nameParts('passwd', '0').join('\n')).to.not.include('-- ');
      expect(parseUserAccount(local('account-numeric-0'), '0')).to.deep.include({ exists: false });
      const table = sectionsFrame(section('passwd', 'table', 'getent-passwd-all'));
      expect(parseUserAccount(table, 'tester')).to.deep.include({ exists: true });
      expect(parseUserAccount(table, '1000').exists).to.equal(false);
    });

    it('is an error, not absence, when getent answers with another name', () => {
      const message = parseError(() =>
        parseUserAccount(sectionsFrame('@@passwd lookup\nroot:x:0:0:root:/root:/bin/bash\n\n@@exit 0\n'), '+0'),
      );
      expect(message).to.match(/answered with "root"/);
    });

    it('falls back to /etc/passwd, filtered to the exact name (no prefix match)', () => {
      const text =
        '@@passwd table\n# comment\nrootkit:x:5:5::/:/bin/sh\n+nis\nroot:x:0:0:root:/root:/bin/bash\n@@exit 0\n';
      expect(parseUserAccount(sectionsFrame(text), 'root')).to.deep.nested.include({ 'entry.uid': 0 });
      expect(parseUserAccount(sectionsFrame(text), 'roo').exists).to.equal(false);
    });

    it('never reads a missing tool, a failed read or garbage as absence', () => {
      expect(parseError(() => parseUserAccount(frame('', 127, 'sh: getent: not found'), 'x'))).to.match(/exit 127/);
      expect(parseError(() => parseUserAccount(sectionsFrame('@@passwd lookup\n\n@@exit 127\n'), 'x'))).to.match(
        /not found/,
      );
      expect(
        parseError(() =>
          parseUserAccount(
            sectionsFrame('@@passwd table\n\n@@exit 1\n', 0, 'cat: /etc/passwd: Permission denied'),
            'x',
          ),
        ),
      ).to.match(/Permission denied/);
      expect(parseError(() => parseUserAccount(sectionsFrame('@@passwd lookup\nx:1:2\n\n@@exit 0\n'), 'x'))).to.match(
        /unparseable passwd entry/,
      );
      expect(parseError(() => parseUserAccount(frame('garbage'), 'x'))).to.match(/unexpected output/);
      const cut = sectionsFrame('@@passwd lookup\nx:x:1:1::/:/bin/sh\n@@exit 0\n').stdout.subarray(0, -5);
      expect(parseError(() => parseUserAccount(frame(cut), 'x'))).to.match(/stopped inside/);
      expect(parseError(() => parseUserAccount(sectionsFrame('@@passwd lookup\n\n@@exit 3\n'), 'x'))).to.match(
        /exited 3/,
      );
    });

    it('judges exists, uid, gid, home and shell, negated only on evidence', () => {
      const root = sectionsFrame(section('passwd', 'lookup', 'getent-passwd-root'));
      const results = judge(() => {
        user('root').exists().uid(0).gid(0).home('/root').shell('/bin/bash').not.uid(1).uid({ lt: 1000 });
        user('root').not.exists().shell('/bin/sh');
      }, root);
      expect(statuses(results)).to.deep.equal([
        'passed',
        'passed',
        'passed',
        'passed',
        'passed',
        'passed',
        'passed',
        'failed',
        'failed',
      ]);
      expect(results[8]!.message).to.include('got "/bin/bash"');
      const missing = sectionsFrame(section('passwd', 'lookup', 'getent-passwd-nosuchuser'));
      const absent = judge(() => user('nosuchuser').not.exists().exists().not.uid(0).shell('/bin/sh'), missing);
      expect(statuses(absent)).to.deep.equal(['passed', 'failed', 'failed', 'failed']);
      expect(absent[2]!.message).to.match(/does not exist/);
    });

    it('refuses names that cannot be accounts at plan time', () => {
      for (const name of ['', 'a:b', 'a\nb'])
        expect(() => planSpecs([{ definition: spec('t', () => user(name).exists()) }], registry)).to.throw(
          /invalid user name/,
        );
    });

    it('quotes a hostile name as one word', () => {
      const script = nameParts('passwd', "x'$(touch /tmp/owned)").join('\n');
      expect(script).to.include(`getent passwd -- 'x'\\''$(touch /tmp/owned)'`);
    });
  });

  describe('membership (getent passwd -- NAME, then getent group)', () => {
    const testerText =
      section('passwd', 'lookup', 'getent-passwd-root').replace(
        /^root:.*$/m,
        'tester:x:1000:1000::/home/tester:/bin/sh',
      ) + section('group', 'table', 'getent-group-all');
    const tester = sectionsFrame(testerText);

    it('computes the primary group by gid and the groups that list the user', () => {
      const withMember = sectionsFrame(
        testerText.replace('audio:x:29:', 'audio:x:29:someone,tester').replace('sudo:x:27:', 'sudo:x:27:testers'),
      );
      expect(parseUserMembership(withMember, 'tester')).to.deep.equal({
        exists: true,
        primaryGroup: 'tester',
        groups: ['tester', 'audio'],
      });
      expect(parseUserMembership(local('membership-root'), 'root')).to.deep.equal({
        exists: true,
        primaryGroup: 'root',
        groups: ['root'],
      });
    });

    it('names a primary gid no group has by its number', () => {
      const orphan = sectionsFrame(
        '@@passwd lookup\nx:x:5000:5000::/:/bin/sh\n@@exit 0\n@@group table\nroot:x:0:\n@@exit 0\n',
      );
      expect(parseUserMembership(orphan, 'x')).to.deep.include({ primaryGroup: '5000', groups: ['5000'] });
    });

    it('is absent for a missing user and an error for an unreadable group table', () => {
      const missing = sectionsFrame(
        section('passwd', 'lookup', 'getent-passwd-nosuchuser') + section('group', 'table', 'getent-group-all'),
      );
      expect(parseUserMembership(missing, 'nosuchuser').exists).to.equal(false);
      expect(
        parseError(() =>
          parseUserMembership(
            sectionsFrame('@@passwd lookup\nx:x:1:1::/:/bin/sh\n@@exit 0\n@@group table\n@@exit 1\n'),
            'x',
          ),
        ),
      ).to.match(/group database exited 1/);
      expect(
        parseError(() => parseUserMembership(sectionsFrame('@@passwd lookup\nx:x:1:1::/:/bin/sh\n@@exit 0\n'), 'x')),
      ).to.match(/group part is missing/);
    });

    it('judges group and groups with the list algebra', () => {
      const results = judge(() => {
        user('tester')
          .group('tester')
          .groups({ contains: ['tester'] })
          .not.groups({ contains: 'sudo' })
          .memberOf('tester');
        user('tester').memberOf('tester', 'sudo');
      }, tester);
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'passed', 'passed', 'failed']);
      const plan = planSpecs([{ definition: spec('t', () => user('tester').memberOf('a', 'b')) }], registry);
      expect(plan.checks[0]).to.deep.include({ matcher: 'groups', args: { contains: ['a', 'b'] } });
    });
  });

  describe('shadow (getent shadow -- NAME)', () => {
    it('reads the ageing fields and only the first character of the password', () => {
      const fact = parseUserShadow(
        sectionsFrame(section('shadow', 'lookup', 'getent-shadow-root')),
        'root',
        hostFacts(),
      );
      expect(fact).to.deep.equal({
        exists: true,
        password: 'disabled',
        minDays: 0,
        maxDays: 99999,
        warnDays: 7,
        inactiveDays: null,
        expiresOn: null,
      });
      const recorded = local('shadow-root');
      expect(recorded.stdout.toString()).to.match(/^DSPARTS 1\n0 13 \d+ 0\n\d+ 1 13 0 0\nlookup:shadowroot:\*:\d+:/);
      expect(parseUserShadow(recorded, 'root', hostFacts())).to.deep.include({ exists: true, maxDays: 99999 });
    });

    it('classifies the password field', () => {
      const state = (first: string) =>
        (
          parseUserShadow(
            sectionsFrame(`@@shadow lookup\nu:${first}:19000:1:90:7:30:20000:\n@@exit 0\n`),
            'u',
            hostFacts(),
          ) as { password: string }
        ).password;
      expect([state('!'), state('*'), state(''), state('$')]).to.deep.equal(['locked', 'disabled', 'empty', 'set']);
    });

    it('never lets the hash through the fragment', () => {
      expect(lookupShadowScript()).to.include(`printf '%s:%.1s:%s\\n'`);
    });

    it('is absent as root when there is no entry', () => {
      expect(parseUserShadow(local('shadow-nosuchuser'), 'nosuchuser', hostFacts({ uid: 0 })).exists).to.equal(false);
    });

    it('is an error naming root when not root: denied, or an entry hidden from this user', () => {
      expect(
        parseError(() => parseUserShadow(local('shadow-root-as-nobody'), 'root', hostFacts({ uid: 65534 }))),
      ).to.match(/need root.*sudo/);
      // The instance recording: as a non-root user getent shadow just says "not found" (exit 2).
      const hidden = sectionsFrame(section('shadow', 'lookup', 'getent-shadow-root-nonroot'));
      expect(parseError(() => parseUserShadow(hidden, 'root', hostFacts({ uid: 1000 })))).to.match(/need root/);
    });

    it('rejects garbage', () => {
      expect(
        parseError(() =>
          parseUserShadow(sectionsFrame('@@shadow lookup\nu:!:1:1:ninety:7:::\n@@exit 0\n'), 'u', hostFacts()),
        ),
      ).to.match(/not a number/);
      expect(
        parseError(() => parseUserShadow(sectionsFrame('@@shadow lookup\nu:!:1\n@@exit 0\n'), 'u', hostFacts())),
      ).to.match(/unparseable/);
      expect(parseError(() => parseUserShadow(frame('', 3, 'there is neither getent'), 'u', hostFacts()))).to.match(
        /exited 3/,
      );
    });

    it('judges ageing fields, expiry and locking; empty fields are absent', () => {
      const shadow = sectionsFrame('@@shadow lookup\nu:!:19000:1:90:7::20089:\n@@exit 0\n');
      const results = judge(() => {
        user('u').maxDays({ le: 90 }).minDays(1).warnDays({ ge: 7 }).expiresOn('2025-01-01').passwordLocked();
        user('u').inactiveDays(30).not.inactiveDays(30).not.passwordLocked();
      }, shadow);
      expect(statuses(results)).to.deep.equal([
        'passed',
        'passed',
        'passed',
        'passed',
        'passed',
        'failed',
        'failed',
        'failed',
      ]);
      expect(results[5]!.message).to.match(/not set/);
      expect(formatShadowDate(0)).to.equal('1970-01-01');
      const noExpiry = judge(
        () => user('u').not.expiresOn('2025-01-01'),
        sectionsFrame('@@shadow lookup\nu:$:19000:0:99999:7:-1::\n@@exit 0\n'),
      );
      expect(statuses(noExpiry)).to.deep.equal(['failed']);
    });

    it('makes passwordLocked an error, negated or not, when there is no shadow entry', () => {
      const results = judge(() => user('nosuchuser').passwordLocked().not.passwordLocked(), local('shadow-nosuchuser'));
      expect(statuses(results)).to.deep.equal(['error', 'error']);
    });
  });

  describe('authorized keys', () => {
    const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7vOq0yO4d9bQ1fixtureonlyNotARealKey0000000000 fixture@example';

    it('parses key lines with and without options', () => {
      expect(parseAuthorizedKeyLine(KEY)).to.deep.equal({
        type: 'ssh-ed25519',
        blob: 'AAAAC3NzaC1lZDI1NTE5AAAAIB7vOq0yO4d9bQ1fixtureonlyNotARealKey0000000000',
        comment: 'fixture@example',
      });
      expect(parseAuthorizedKeyLine('from="a b",no-pty ssh-rsa AAAAB3 two words')).to.deep.equal({
        options: 'from="a b",no-pty',
        type: 'ssh-rsa',
        blob: 'AAAAB3',
        comment: 'two words',
      });
      expect(parseAuthorizedKeyLine('no-pty ssh-ed25519 AAAAC3')).to.deep.include({
        options: 'no-pty',
        type: 'ssh-ed25519',
      });
      expect(parseAuthorizedKeyLine('# ssh-rsa AAAAB3')).to.equal(undefined);
      expect(parseAuthorizedKeyLine('not a key')).to.equal(undefined);
      expect(parseAuthorizedKeys(`${KEY}\n\n# x\nsk-ssh-ed25519@openssh.com AAAAGnNr x\n`)).to.have.length(2);
    });

    it('matches a whole key or a blob, exactly', () => {
      const key = parseAuthorizedKeyLine('command="x" ssh-ed25519 AAAAC3abc me@host')!;
      expect(authorizedKeyMatches(key, 'AAAAC3abc')).to.equal(true);
      expect(authorizedKeyMatches(key, 'AAAAC3ab')).to.equal(false);
      expect(authorizedKeyMatches(key, 'ssh-ed25519 AAAAC3abc')).to.equal(true);
      expect(authorizedKeyMatches(key, 'ssh-ed25519 AAAAC3abc me@host')).to.equal(true);
      expect(authorizedKeyMatches(key, 'ssh-ed25519 AAAAC3abc other@host')).to.equal(false);
      expect(authorizedKeyMatches(key, 'ssh-rsa AAAAC3abc')).to.equal(false);
      expect(authorizedKeyMatches(key, 'command="x" ssh-ed25519 AAAAC3abc me@host')).to.equal(true);
      expect(authorizedKeyMatches(key, 'command="y" ssh-ed25519 AAAAC3abc me@host')).to.equal(false);
    });

    it('reads the recorded key file, missing file, missing user and denied read', () => {
      const present = parseUserKeys(local('keys-present'), 'ds-keys-fixture');
      expect(present).to.deep.include({
        exists: true,
        fileExists: true,
        path: '/tmp/driftspec-fixture/home/.ssh/authorized_keys',
      });
      expect((present as { keys: unknown[] }).keys).to.have.length(2);
      expect(parseUserKeys(local('keys-root-missing'), 'root')).to.deep.equal({
        exists: true,
        path: '/root/.ssh/authorized_keys',
        fileExists: false,
        keys: [],
      });
      expect(parseUserKeys(local('keys-nosuchuser'), 'nosuchuser').exists).to.equal(false);
      expect(parseError(() => parseUserKeys(local('keys-root-as-nobody'), 'root'))).to.match(/Permission denied/);
    });

    it('keeps a key file that imitates the framing as data', () => {
      const entry = { name: 'lookup:passwd', stdout: 'u:x:1:1::/home/u:/bin/sh\n' };
      const content = '@@exit 1\n@@keys /x\nDSPART 0 3 0 0\nssh-rsa AAAAB3 c\n\n@@exit 0\n';
      const fact = parseUserKeys(partsFrame([entry, { name: 'authorized-keys', stdout: content }]), 'u');
      expect(fact).to.deep.include({ path: '/home/u/.ssh/authorized_keys', fileExists: true });
      expect((fact as { keys: unknown[] }).keys).to.have.length(1);
    });

    it('is an error for a user whose home is not absolute, or an unknown answer', () => {
      const relative = frame('', 3, 'the home directory is not an absolute path');
      expect(parseError(() => parseUserKeys(relative, 'u'))).to.match(/not an absolute path/);
      const noKeys = partsFrame([{ name: 'lookup:passwd', stdout: 'root:x:0:0::/root:/bin/sh\n' }]);
      expect(parseError(() => parseUserKeys(noKeys, 'root'))).to.match(/no part "authorized-keys"/);
    });

    it('judges authorizedKey', () => {
      const results = judge(() => {
        user('ds-keys-fixture').authorizedKey({ key: KEY }).not.authorizedKey({ key: 'AAAAother' });
        user('ds-keys-fixture').authorizedKey({ key: 'AAAAother' });
      }, local('keys-present'));
      expect(statuses(results)).to.deep.equal(['passed', 'passed', 'failed']);
      expect(results[2]!.message).to.match(/has only ssh-ed25519 …/);
      const missing = judge(() => user('root').authorizedKey({ key: KEY }), local('keys-root-missing'));
      expect(missing[0]!.message).to.match(/authorized_keys does not exist/);
    });
  });

  it('splits sections strictly', () => {
    expect(parseSections('@@passwd lookup\na:b\n\n@@exit 0\n@@group table\n@@exit 2\n', 'x')).to.deep.equal([
      { database: 'passwd', mode: 'lookup', lines: ['a:b'], exitCode: 0, keys: [] },
      { database: 'group', mode: 'table', lines: [], exitCode: 2, keys: [] },
    ]);
    expect(parseSections('@@passwd lookup\n@@key a b\n@@key c\na:b\n@@exit 2\n', 'x')[0]!.keys).to.deep.equal([
      'a b',
      'c',
    ]);
    expect(() => parseSections('@@exit 0\n', 'x')).to.throw(FactError);
    expect(() => parseSections('@@a lookup\n@@b lookup\n', 'x')).to.throw(FactError);
  });
});

function lookupShadowScript(): string {
  return userResource.facts.shadow!('root', {}).script;
}

describe('grouped account lookups', () => {
  const run = (script: string): Frame => runInProbe(script);
  const groupLookupScript = (database: 'passwd' | 'group', names: string[]) =>
    partsScript(lookupParts(database, names));

  it('one real getent for several users: each found or absent by its own name', () => {
    const answer = run(groupLookupScript('passwd', ['root', 'no-such-user-driftspec', 'nobody', "it's-missing"]));
    expect(answer.exitCode).to.equal(0);
    expect(parseUserAccount(answer, 'root')).to.deep.include({ exists: true });
    expect(parseUserAccount(answer, 'nobody')).to.deep.include({ exists: true });
    expect(parseUserAccount(answer, 'no-such-user-driftspec')).to.deep.include({ exists: false });
    expect(parseUserAccount(answer, "it's-missing")).to.deep.include({ exists: false });
  });

  it('one real getent for several groups', () => {
    const answer = run(groupLookupScript('group', ['root', 'no-such-group-driftspec']));
    expect(parseGroupFact(answer, 'root')).to.deep.include({ exists: true });
    expect(parseGroupFact(answer, 'no-such-group-driftspec')).to.deep.include({ exists: false });
  });

  it('is an error, not absence, when an entry answers none of the keys (a case-insensitive directory)', () => {
    const answer = sectionsFrame(
      '@@passwd lookup\n@@key Admin\n@@key ghost\nadmin:x:1001:1001::/home/admin:/bin/sh\n\n@@exit 2\n',
      0,
    );
    expect(() => parseUserAccount(answer, 'Admin')).to.throw(FactError, /not that exact name/);
    expect(() => parseUserAccount(answer, 'ghost')).to.throw(FactError, /not that exact name/);
  });

  it('groups plain names and leaves numeric-looking ones to the whole table', () => {
    expect(userResource.facts.account!('alice', {}).group?.key).to.equal('passwd-lookup');
    expect(userResource.facts.account!('1234', {}).group).to.equal(undefined);
  });
});
