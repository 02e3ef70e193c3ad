import { expect } from 'chai';
import { sshdConfig } from '../../../src/dsl/index.js';
import { planSpecs, spec } from '../../../src/dsl/index.js';
import { factQueryFor } from '../../../src/engine/queries.js';
import { createRegistry } from '../../../src/resources/index.js';
import { parseSshdT, sshdGroupScript } from '../../../src/resources/sshd-config/index.js';
import { sshdConfigInventory } from '../../../src/resources/sshd-config/inventory.js';
import { frame, hostFacts, partsFrame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, resultLines, statuses } from '../../support/judge.js';

const registry = createRegistry();

/** A recorded `sshd -T` (test/fixtures/recorded/sshd/) as the part its connection's query reads. */
function recorded(name: string, part = '-') {
  const { stdout, stderr, exitCode } = recordedFrame(`recorded/sshd/${name}.json`);
  return { name: part, stdout, stderr: stderr.toString('utf8'), exitCode };
}

describe('sshd_config', () => {
  it('parses the stock configuration as sshd -T prints it: numbers, octal text, lists', () => {
    const settings = parseSshdT(recordedFrame('recorded/sshd/default.json').stdout.toString('utf8'), 'reading');
    expect(settings.get('maxauthtries')).to.equal(6);
    expect(settings.get('streamlocalbindmask')).to.equal('0177');
    expect(settings.get('permitrootlogin')).to.equal('without-password');
    expect(settings.get('ciphers')).to.include('chacha20-poly1305@openssh.com');
    expect(settings.get('authorizedkeysfile')).to.deep.equal(['.ssh/authorized_keys', '.ssh/authorized_keys2']);
    expect(settings.get('acceptenv')).to.deep.equal(['LANG', 'LC_*']);
    expect(settings.get('subsystem')).to.equal('sftp /usr/lib/openssh/sftp-server');
    expect(settings.get('hostkey')).to.have.length.greaterThan(1);
  });

  it('judges the effective settings: drop-ins count, Match blocks apply to the named connection only', () => {
    const probe = partsFrame([
      recorded('dropin-default'),
      recorded('dropin-match-alice', 'user=alice,addr=10.0.0.7'),
      recorded('dropin-match-other', 'user=alice,addr=192.0.2.1'),
    ]);
    const results = judgeFrame(
      registry,
      () => {
        sshdConfig('PermitRootLogin').value('no');
        sshdConfig('PasswordAuthentication').value('no');
        sshdConfig('MaxAuthTries').value({ le: 4 });
        sshdConfig('Ciphers').not.value({ contains: 'aes128-ctr' });
        sshdConfig('AllowGroups').value({ contains: ['ssh-users', 'admins'] });
        sshdConfig('PasswordAuthentication', { match: { user: 'alice', addr: '10.0.0.7' } }).value('yes');
        sshdConfig('PasswordAuthentication', { match: { user: 'alice', addr: '192.0.2.1' } }).value('no');
        sshdConfig('PasswordAuthentication', { match: { user: 'alice', addr: '192.0.2.1' } }).value('yes');
      },
      probe,
    );
    expect(statuses(results)).to.deep.equal([...Array(7).fill('passed'), 'failed']);
    expect(results[7]!.message).to.equal(
      'expected sshd setting PasswordAuthentication for user=alice,addr=192.0.2.1 to have value "yes", but got "no"',
    );
  });

  it('never passes on a keyword sshd does not know, negated or not', () => {
    const results = judgeFrame(
      registry,
      () => {
        sshdConfig('PermitRootLgin').not.value('yes');
        sshdConfig('PermitRootLgin').not.exists();
      },
      partsFrame([recorded('default')]),
    );
    expect(resultLines(results)[0]).to.equal(
      'failed: expected sshd setting PermitRootLgin not to have value "yes", but sshd -T prints no setting ' +
        'permitrootlgin (it is not set (AllowUsers, AllowGroups, DenyUsers and DenyGroups are printed only when ' +
        'set), or this sshd does not know the keyword)',
    );
    expect(statuses(results)[1]).to.equal('passed');
  });

  it('is an error, naming the cause, when sshd -T cannot run', () => {
    const cases: Array<[string, RegExp]> = [
      ['nonroot', /could not read the host keys \(it needs root: run with sudo.*no hostkeys available/],
      ['no-run-sshd', /needs \/run\/sshd, which exists only while the ssh service runs.*Missing privilege separation/],
      ['bad-keyword', /sshd -T exited 255: .*Bad configuration option: PermitRootLgin/],
    ];
    for (const [name, message] of cases) {
      const [result] = judgeFrame(
        registry,
        () => sshdConfig('PermitRootLogin').not.value('yes'),
        partsFrame([recorded(name)]),
      );
      expect(result!.status, name).to.equal('error');
      expect(result!.message, name).to.match(message);
    }
    const missing = { name: '-', stderr: 'sshd is not installed (no sshd on PATH, …)\n', exitCode: 127 };
    const [result] = judgeFrame(registry, () => sshdConfig('Port').value(22), partsFrame([missing]));
    expect(result!.status).to.equal('error');
    expect(result!.message).to.match(/command not found on the target \(exit 127\): sshd is not installed/);
  });

  it('is an error, never a pass, when sshd -T prints a line that is not a setting or prints nothing', () => {
    const stock = recordedFrame('recorded/sshd/default.json').stdout.toString('utf8');
    const forged = [
      ['a banner before the settings', `Welcome to the target\n${stock}`],
      ['a keyword with a capital', stock.replace('permitrootlogin ', 'PermitRootLogin ')],
      ['a keyword without a value', stock.replace(/^maxauthtries .*$/m, 'maxauthtries')],
      ['nothing at all', ''],
    ];
    for (const [what, stdout] of forged) {
      const [result] = judgeFrame(
        registry,
        () => sshdConfig('PermitRootLogin').not.value('yes'),
        partsFrame([{ name: '-', stdout: stdout!, stderr: '', exitCode: 0 }]),
      );
      expect(result!.status, what).to.equal('error');
      expect(result!.message, what).to.match(/unexpected sshd -T line|sshd -T printed no settings/);
    }
  });

  it('runs one sshd -T per connection the spec names, in one grouped query', () => {
    const plan = planSpecs(
      [
        {
          definition: spec('t', () => {
            sshdConfig('Port').value(22);
            sshdConfig('Ciphers').exists();
            sshdConfig('PasswordAuthentication', { match: { user: 'alice' } }).value('no');
          }),
        },
      ],
      registry,
    );
    const groups = plan.checks.map((check) => factQueryFor(check, registry).group);
    expect(new Set(groups.map((group) => group?.key))).to.deep.equal(new Set(['sshd-config']));
    const script = sshdGroupScript(groups.map((group) => group!.member));
    expect(script.match(/ds_sshd_t( -C [^\n]*)?\n/g)).to.have.length(2);
    expect(script).to.include("ds_sshd_t -C 'user=alice'");
  });

  it('refuses keywords and connection words that could not be passed to sshd as they are', () => {
    const plan = (body: () => void) => () => planSpecs([{ definition: spec('t', body) }], registry);
    expect(plan(() => sshdConfig('Permit Root').exists())).to.throw(/letters and digits only/);
    expect(plan(() => sshdConfig('Port', { match: { user: 'a,host=b' } }).exists())).to.throw(/without blanks, commas/);
    expect(plan(() => sshdConfig('Port', { match: {} }).exists())).to.throw(/at least one of user/);
  });

  it('snapshots every effective setting as text, and no sshd as no settings', () => {
    const listing = sshdConfigInventory.listing;
    if (listing.type !== 'framed') throw new Error('expected a framed listing');
    const context = { host: hostFacts(), ignored: () => false };
    const { items } = listing.read(recordedFrame('recorded/sshd/dropin-default.json'), context);
    const byKey = new Map(items.map((item) => [item.key, item.value]));
    expect(byKey.get('passwordauthentication')).to.equal('no');
    expect(byKey.get('ciphers')).to.equal('aes256-gcm@openssh.com,chacha20-poly1305@openssh.com');
    expect(byKey.get('allowgroups')).to.equal('ssh-users admins');
    expect(listing.read(frame('#driftspec no-sshd\n'), context)).to.deep.equal({ items: [], gaps: [] });
    expect(() => listing.read(recordedFrame('recorded/sshd/nonroot.json'), context)).to.throw(/host keys/);
  });
});
