import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  decideHostKey,
  hostLabel,
  parseFingerprint,
  preferredHostKeyAlgorithms,
  type HostKeyPolicy,
} from '../../../src/targets/host-key-policy.js';
import { fingerprintOf, parseKnownHosts } from '../../../src/targets/known-hosts.js';
import { fixturePath } from '../../support/frames.js';

function publicKey(name: string): { line: string; blob: Buffer; fingerprint: string } {
  const [type, base64] = readFileSync(fixturePath(`ssh/${name}`), 'utf8')
    .trim()
    .split(' ');
  const blob = Buffer.from(base64!, 'base64');
  return { line: `${type} ${base64}`, blob, fingerprint: fingerprintOf(blob) };
}

const ed25519 = publicKey('host_ed25519.pub');
const rsa = publicKey('host_rsa.pub');
const ecdsa = publicKey('host_ecdsa.pub');

function policy(knownHosts: string, overrides: Partial<HostKeyPolicy> = {}): HostKeyPolicy {
  return {
    knownHosts: parseKnownHosts(knownHosts, 'kh'),
    knownHostsFiles: ['kh'],
    pins: [],
    acceptNew: false,
    ...overrides,
  };
}

describe('host key policy', () => {
  it('accepts the key known_hosts lists for the host', () => {
    expect(decideHostKey(policy(`web ${ed25519.line}`), 'web', 22, ed25519.blob)).to.deep.equal({
      accepted: true,
      how: 'known',
      fingerprint: ed25519.fingerprint,
    });
  });

  it('accepts any of several keys listed for the host', () => {
    const decision = decideHostKey(policy(`web ${ed25519.line}\nweb ${rsa.line}`), 'web', 22, rsa.blob);
    expect(decision).to.include({ accepted: true, how: 'known' });
  });

  it('refuses a changed key, naming the expected and the presented fingerprints and the entry', () => {
    const decision = decideHostKey(policy(`web ${ed25519.line}`), 'web', 22, ecdsa.blob);
    expect(decision.accepted).to.equal(false);
    const message = (decision as { message: string }).message;
    expect(message).to.include('host key mismatch for web:22');
    expect(message).to.include(`known_hosts expects ED25519 ${ed25519.fingerprint} (kh:1)`);
    expect(message).to.include(`presented ECDSA ${ecdsa.fingerprint}`);
  });

  it('refuses a changed key even when new keys are accepted', () => {
    expect(decideHostKey(policy(`web ${ed25519.line}`, { acceptNew: true }), 'web', 22, ecdsa.blob).accepted).to.equal(
      false,
    );
  });

  it('refuses an unknown host, saying which name was looked up where and what to do', () => {
    const decision = decideHostKey(policy(`other ${ed25519.line}`), 'web', 2222, ed25519.blob) as {
      accepted: false;
      message: string;
    };
    expect(decision.accepted).to.equal(false);
    expect(decision.message).to.include(
      `the host key of web:2222 is not known (it presented ED25519 ${ed25519.fingerprint}; looked up "[web]:2222" ` +
        `in kh)`,
    );
    expect(decision.message).to.include(`--host-key ${ed25519.fingerprint}`);
    expect(decision.message).to.include('--accept-new-host-keys');
  });

  it('accepts an unknown host on first contact only when told to', () => {
    expect(decideHostKey(policy('', { acceptNew: true }), 'web', 22, ed25519.blob)).to.deep.equal({
      accepted: true,
      how: 'accepted-new',
      fingerprint: ed25519.fingerprint,
    });
  });

  it('lets pins alone decide, whatever known_hosts says', () => {
    const pinned = policy(`web ${rsa.line}`, { pins: [ed25519.fingerprint] });
    expect(decideHostKey(pinned, 'web', 22, ed25519.blob)).to.include({ accepted: true, how: 'pinned' });
    const wrong = decideHostKey(pinned, 'web', 22, rsa.blob) as { accepted: false; message: string };
    expect(wrong.accepted).to.equal(false);
    expect(wrong.message).to.include(
      `expected ${ed25519.fingerprint} (--host-key) but the host presented RSA ${rsa.fingerprint}`,
    );
  });

  it('refuses a revoked key before anything else, for any host pattern', () => {
    const revoked = policy(`web ${ed25519.line}\n@revoked other.example ${ed25519.line}`, {
      pins: [ed25519.fingerprint],
      acceptNew: true,
    });
    const decision = decideHostKey(revoked, 'web', 22, ed25519.blob) as { accepted: false; message: string };
    expect(decision.accepted).to.equal(false);
    expect(decision.message).to.include('is marked @revoked in kh:2');
  });

  it('ignores @cert-authority lines: they vouch for no plain key', () => {
    expect(decideHostKey(policy(`@cert-authority web ${ed25519.line}`), 'web', 22, ed25519.blob).accepted).to.equal(
      false,
    );
  });

  it('offers the key types known_hosts holds for the host first', () => {
    expect(preferredHostKeyAlgorithms(policy(''), 'web', 22)[0]).to.equal('ssh-ed25519');
    const withRsa = preferredHostKeyAlgorithms(policy(`web ${rsa.line}`), 'web', 22);
    expect(withRsa.slice(0, 3)).to.deep.equal(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(withRsa).to.have.length(7);
    expect(preferredHostKeyAlgorithms(policy(`web ${ecdsa.line}`), 'web', 2222)[0]).to.equal('ssh-ed25519');
  });

  it('reads fingerprints as ssh-keygen prints them and refuses anything else', () => {
    expect(parseFingerprint(ed25519.fingerprint)).to.equal(ed25519.fingerprint);
    expect(parseFingerprint(` ${ed25519.fingerprint}= `)).to.equal(ed25519.fingerprint);
    for (const bad of [
      '',
      'MD5:11:22',
      ed25519.fingerprint.slice(7),
      `sha256:${ed25519.fingerprint.slice(7)}`,
      ed25519.fingerprint.slice(0, -1),
    ]) {
      expect(() => parseFingerprint(bad), bad).to.throw(/SHA256 fingerprint/);
    }
  });

  it('labels IPv6 hosts with brackets', () => {
    expect(hostLabel('fe80::1', 22)).to.equal('[fe80::1]:22');
    expect(hostLabel('10.0.0.1', 2222)).to.equal('10.0.0.1:2222');
  });
});
