import { expect } from 'chai';
import { classifyClientError, classifyNetworkError } from '../../../src/targets/ssh-errors.js';

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.5:22`), { code });
}

describe('SSH error kinds', () => {
  const label = '10.0.0.5:22';

  const network: [string, string, RegExp][] = [
    ['ECONNREFUSED', 'refused', /connection refused/],
    ['ETIMEDOUT', 'timeout', /gave up connecting/],
    ['ENOTFOUND', 'dns', /does not resolve/],
    ['EAI_AGAIN', 'dns', /does not resolve/],
    ['EHOSTUNREACH', 'network', /network path failed/],
    ['ENETUNREACH', 'network', /network path failed/],
    ['ECONNRESET', 'network', /network path failed/],
    ['EWHATEVER', 'other', /connection failed/],
  ];
  for (const [code, kind, words] of network) {
    it(`classifies ${code} as ${kind}, naming the host and the code`, () => {
      const error = classifyNetworkError(systemError(code), label);
      expect(error.kind).to.equal(kind);
      expect(error.message).to.match(words);
      expect(error.message).to.include(`cannot connect to ${label}`).and.include(code);
    });
  }

  it('reads the first code of an aggregated (happy eyeballs) failure', () => {
    const aggregate = new AggregateError([systemError('ECONNREFUSED'), systemError('ENETUNREACH')], 'all failed');
    expect(classifyNetworkError(aggregate, label).kind).to.equal('refused');
  });

  it('classifies ssh2 failures by level', () => {
    const failure = (message: string, level?: string) => Object.assign(new Error(message), level ? { level } : {});
    const auth = classifyClientError(
      failure('All configured authentication methods failed', 'client-authentication'),
      label,
      'as "root": tried key K',
    );
    expect(auth.kind).to.equal('auth');
    expect(auth.message).to.equal(`${label} refused the login as "root": tried key K`);
    expect(classifyClientError(failure('Too many authentication failures'), label, '').kind).to.equal('auth');
    expect(
      classifyClientError(Object.assign(failure('read ECONNRESET', 'client-socket'), { code: 'ECONNRESET' }), label, '')
        .kind,
    ).to.equal('network');
    expect(classifyClientError(failure('Keepalive timeout', 'client-timeout'), label, '').kind).to.equal('timeout');
    const handshake = classifyClientError(
      failure('Handshake failed: no matching host key format', 'handshake'),
      label,
      '',
    );
    expect(handshake.kind).to.equal('other');
    expect(handshake.message).to.include(`the SSH handshake with ${label} failed`);
    const closed = classifyClientError(failure('Connection lost before handshake', 'protocol'), label, '');
    expect(closed.kind).to.equal('network');
    expect(closed.message).to.equal(
      `the SSH connection to ${label} failed: Connection lost before handshake (the far end closed the connection ` +
        'without an SSH greeting: no SSH server answers there, or sshd turned this client away, as MaxStartups ' +
        'or a TCP wrapper does)',
    );
  });
});
