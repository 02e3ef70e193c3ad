import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  describeHostKey,
  entryMatchesName,
  fingerprintOf,
  keyTypeOfBlob,
  knownHostsName,
  parseKnownHosts,
  type KnownHostEntry,
} from '../../../src/targets/known-hosts.js';
import { fixturePath } from '../../support/frames.js';

const read = (name: string) => readFileSync(fixturePath(`ssh/${name}`), 'utf8');
const recorded = JSON.parse(read('fingerprints.json')) as { fingerprints: Record<string, string> };

function publicKey(name: string): { type: string; base64: string; blob: Buffer } {
  const [type, base64] = read(name).trim().split(' ');
  return { type: type!, base64: base64!, blob: Buffer.from(base64!, 'base64') };
}

function entry(line: string): KnownHostEntry {
  const [parsed] = parseKnownHosts(line, 'test');
  if (!parsed) throw new Error(`not parsed: ${line}`);
  return parsed;
}

describe('known_hosts', () => {
  describe('fingerprints', () => {
    for (const name of ['host_ed25519.pub', 'host_rsa.pub', 'host_ecdsa.pub']) {
      it(`match ssh-keygen -lf for ${name}`, () => {
        const [, fingerprint, , display] = recorded.fingerprints[name]!.split(' ');
        const { blob } = publicKey(name);
        expect(fingerprintOf(blob)).to.equal(fingerprint);
        expect(describeHostKey(blob)).to.equal(`${display!.slice(1, -1)} ${fingerprint}`);
      });
    }

    it('reads the key type from the blob, and nothing from a truncated one', () => {
      expect(keyTypeOfBlob(publicKey('host_ecdsa.pub').blob)).to.equal('ecdsa-sha2-nistp256');
      expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 9, 0x73]))).to.equal(undefined);
      expect(keyTypeOfBlob(Buffer.alloc(2))).to.equal(undefined);
    });
  });

  describe('parsing', () => {
    it('reads plain entries with their source line, skipping comments and blank lines', () => {
      const entries = parseKnownHosts(`# comment\n\n${read('known_hosts.plain')}`, 'kh');
      expect(entries.map((e) => [e.patterns, e.keyType, e.source, e.marker])).to.deep.equal([
        ['example.com', 'ssh-ed25519', 'kh:3', undefined],
        ['[example.com]:2222', 'ssh-rsa', 'kh:4', undefined],
      ]);
      expect(entries[0]!.key.equals(publicKey('host_ed25519.pub').blob)).to.equal(true);
    });

    it('reads @revoked and @cert-authority markers and skips unknown ones', () => {
      const { type, base64 } = publicKey('host_ed25519.pub');
      const entries = parseKnownHosts(
        `@revoked * ${type} ${base64}\n@cert-authority *.example.com ${type} ${base64}\n@other h ${type} ${base64}\n`,
        'kh',
      );
      expect(entries.map((e) => e.marker)).to.deep.equal(['revoked', 'cert-authority']);
    });

    it('skips malformed lines: missing fields, bad base64, a key of another type than named', () => {
      const { base64 } = publicKey('host_ed25519.pub');
      const text = [
        'host-only',
        'h ssh-ed25519',
        'h ssh-ed25519 not*base64',
        `h ssh-rsa ${base64}`,
        `h ssh-ed25519 ${base64} trailing comment`,
      ].join('\n');
      expect(parseKnownHosts(text, 'kh').map((e) => e.source)).to.deep.equal(['kh:5']);
    });
  });

  describe('host names', () => {
    it('uses the bare host on port 22 and [host]:port elsewhere, lower-cased', () => {
      expect(knownHostsName('Example.COM', 22)).to.equal('example.com');
      expect(knownHostsName('example.com', 2222)).to.equal('[example.com]:2222');
      expect(knownHostsName('::1', 22)).to.equal('::1');
      expect(knownHostsName('fe80::1', 2200)).to.equal('[fe80::1]:2200');
    });

    it('matches hashed entries written by ssh-keygen -H, for both name forms', () => {
      const [bare, withPort] = parseKnownHosts(read('known_hosts.hashed'), 'kh');
      expect(bare!.patterns).to.match(/^\|1\|/);
      expect(entryMatchesName(bare!, 'example.com')).to.equal(true);
      expect(entryMatchesName(bare!, 'example.org')).to.equal(false);
      expect(entryMatchesName(bare!, '[example.com]:2222')).to.equal(false);
      expect(entryMatchesName(withPort!, '[example.com]:2222')).to.equal(true);
      expect(entryMatchesName(withPort!, 'example.com')).to.equal(false);
    });

    it('matches comma lists, wildcards and negations as OpenSSH does', () => {
      const { type, base64 } = publicKey('host_ed25519.pub');
      const on = (patterns: string) => entry(`${patterns} ${type} ${base64}`);
      expect(entryMatchesName(on('a.example.com,b.example.com'), 'b.example.com')).to.equal(true);
      expect(entryMatchesName(on('*.example.com'), 'web.example.com')).to.equal(true);
      expect(entryMatchesName(on('*.example.com'), 'example.com')).to.equal(false);
      expect(entryMatchesName(on('10.0.0.?'), '10.0.0.7')).to.equal(true);
      expect(entryMatchesName(on('10.0.0.?'), '10.0.0.17')).to.equal(false);
      expect(entryMatchesName(on('!bad.example.com,*.example.com'), 'bad.example.com')).to.equal(false);
      expect(entryMatchesName(on('!bad.example.com,*.example.com'), 'good.example.com')).to.equal(true);
      expect(entryMatchesName(on('[10.0.0.5]:2222'), '[10.0.0.5]:2222')).to.equal(true);
      expect(entryMatchesName(on('Web.Example.COM'), 'web.example.com')).to.equal(true);
      expect(entryMatchesName(on('example.com'), 'example.com.evil')).to.equal(false);
    });

    it('never matches a broken hashed entry', () => {
      const { type, base64 } = publicKey('host_ed25519.pub');
      expect(entryMatchesName(entry(`|2|abc|def ${type} ${base64}`), 'example.com')).to.equal(false);
      expect(entryMatchesName(entry(`|1|| ${type} ${base64}`), 'example.com')).to.equal(false);
    });
  });
});
