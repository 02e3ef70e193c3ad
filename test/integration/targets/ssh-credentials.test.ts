import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isSpecError } from '../../../src/inputs/input-error.js';
import { fingerprintOf, parseKnownHosts } from '../../../src/targets/known-hosts.js';
import { IdentityError, loadCredentials, loadIdentity } from '../../../src/targets/ssh-credentials.js';
import { loadSshSettings } from '../../../src/targets/ssh-settings.js';
import { requireInCi } from '../../support/environment.js';

/** Keys made by ssh-keygen in every format a user has: what driftspec must read is what it writes. */
describe('SSH credentials and settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-keys-'));
  const key = (name: string) => join(dir, name);

  before(function () {
    if (spawnSync('ssh-keygen', ['-?']).error) return requireInCi(this, 'ssh-keygen (openssh-client) is not installed');
    const make = (name: string, ...args: string[]) =>
      execFileSync('ssh-keygen', ['-q', '-C', name, '-f', key(name), ...args]);
    make('ed25519', '-t', 'ed25519', '-N', '');
    make('rsa', '-t', 'rsa', '-b', '2048', '-N', '');
    make('rsa-pem', '-t', 'rsa', '-b', '2048', '-N', '', '-m', 'PEM');
    make('ecdsa', '-t', 'ecdsa', '-N', '');
    make('locked', '-t', 'ed25519', '-N', 'open sesame');
    writeFileSync(key('garbage'), 'not a key\n');
  });

  function fingerprintByKeygen(path: string): string {
    return execFileSync('ssh-keygen', ['-lf', path], { encoding: 'utf8' }).split(' ')[1]!;
  }

  for (const [name, type] of [
    ['ed25519', 'ED25519'],
    ['rsa', 'RSA'],
    ['rsa-pem', 'RSA'],
    ['ecdsa', 'ECDSA'],
  ] as const) {
    it(`loads a ${name} private key and describes it as ssh-keygen would`, () => {
      const identity = loadIdentity(key(name));
      expect(identity.key.isPrivateKey()).to.equal(true);
      expect(identity.description).to.equal(`${type} ${fingerprintByKeygen(key(name))} (${key(name)})`);
    });
  }

  it('loads an encrypted key with its passphrase', () => {
    expect(fingerprintOf(loadIdentity(key('locked'), 'open sesame').key.getPublicSSH())).to.equal(
      fingerprintByKeygen(key('locked')),
    );
  });

  it('explains an encrypted key without, or with a wrong, passphrase', () => {
    expect(() => loadIdentity(key('locked'))).to.throw(
      IdentityError,
      'the key is encrypted: set DRIFTSPEC_SSH_PASSPHRASE',
    );
    expect(() => loadIdentity(key('locked'), 'wrong')).to.throw(IdentityError, 'could not be decrypted');
  });

  it('refuses a public key, a missing file and garbage, naming the file', () => {
    expect(() => loadIdentity(`${key('ed25519')}.pub`)).to.throw(IdentityError, 'this is a public key');
    expect(() => loadIdentity(key('absent'))).to.throw(IdentityError, 'cannot read the key file: ENOENT');
    expect(() => loadIdentity(key('garbage'))).to.throw(IdentityError, 'not a private key driftspec can use');
    try {
      loadIdentity(key('absent'));
    } catch (error) {
      expect((error as IdentityError).path).to.equal(key('absent'));
    }
  });

  it('takes secrets from the environment only', () => {
    const credentials = loadCredentials({
      identityFiles: [key('locked')],
      env: { DRIFTSPEC_SSH_PASSPHRASE: 'open sesame', DRIFTSPEC_SSH_PASSWORD: 'pw', SSH_AUTH_SOCK: '/run/agent.sock' },
    });
    expect(credentials.identities).to.have.length(1);
    expect(credentials).to.include({ password: 'pw', agentSocket: '/run/agent.sock' });
    expect(
      loadCredentials({ identityFiles: [], env: { SSH_AUTH_SOCK: '', DRIFTSPEC_SSH_PASSWORD: '' }, home: dir }),
    ).to.deep.equal({ identities: [] });
  });

  it('falls back to the usable default keys in ~/.ssh, skipping locked ones', () => {
    const home = mkdtempSync(join(tmpdir(), 'driftspec-home-'));
    mkdirSync(join(home, '.ssh'));
    execFileSync('cp', [key('rsa'), join(home, '.ssh', 'id_rsa')]);
    execFileSync('cp', [key('locked'), join(home, '.ssh', 'id_ed25519')]);
    const credentials = loadCredentials({ identityFiles: [], env: {}, home });
    expect(credentials.identities.map((identity) => identity.path)).to.deep.equal([join(home, '.ssh', 'id_rsa')]);
  });

  describe('settings for a run', () => {
    it('reads ~/.ssh/known_hosts by default and the named files instead when given', () => {
      const home = mkdtempSync(join(tmpdir(), 'driftspec-home-'));
      mkdirSync(join(home, '.ssh'));
      const line = execFileSync('cat', [`${key('ed25519')}.pub`], { encoding: 'utf8' })
        .split(' ')
        .slice(0, 2)
        .join(' ');
      writeFileSync(join(home, '.ssh', 'known_hosts'), `web ${line}\n`);
      const byDefault = loadSshSettings({ connectTimeout: 10 }, {}, home);
      expect(byDefault.hostKeys.knownHostsFiles[0]).to.equal(join(home, '.ssh', 'known_hosts'));
      expect(byDefault.hostKeys.knownHosts).to.have.length(parseKnownHosts(`web ${line}`, 'x').length);
      expect(byDefault).to.deep.include({ connectTimeoutMs: 10_000 });
      expect(byDefault.hostKeys).to.include({ acceptNew: false });

      const named = join(home, 'other_known_hosts');
      writeFileSync(named, '');
      const explicit = loadSshSettings(
        { connectTimeout: 2.5, knownHosts: [named], hostKey: ['SHA256:x'], acceptNewHostKeys: true },
        {},
        home,
      );
      expect(explicit.hostKeys).to.deep.include({
        knownHostsFiles: [named],
        knownHosts: [],
        pins: ['SHA256:x'],
        acceptNew: true,
      });
      expect(explicit.connectTimeoutMs).to.equal(2500);
    });

    it('turns an unusable named file into a spec error located at the option', () => {
      for (const flags of [{ identity: [key('absent')] }, { knownHosts: [key('absent')] }]) {
        try {
          loadSshSettings({ connectTimeout: 10, ...flags }, {}, dir);
          expect.fail('expected an error');
        } catch (error) {
          expect(isSpecError(error)).to.equal(true);
          expect((error as Error).message).to.match(
            new RegExp(`^--(identity|known-hosts) ${key('absent')}: cannot read`),
          );
        }
      }
    });
  });
});
