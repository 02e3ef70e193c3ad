import { expect } from 'chai';
import {
  parseTargetAddress,
  sshTargetName,
  TargetAddressError,
  type SshAddress,
} from '../../../src/targets/address.js';

const parse = (text: string) => parseTargetAddress(text, () => 'me');

describe('target addresses', () => {
  it('knows the local machine by name', () => {
    expect(parse('local')).to.deep.equal({ kind: 'local' });
    expect(parse('local://')).to.deep.equal({ kind: 'local' });
  });

  it('reads ssh://user@host:port, defaulting the user and port 22', () => {
    expect(parse('ssh://root@10.231.5.2:2222')).to.deep.equal({
      kind: 'ssh',
      user: 'root',
      host: '10.231.5.2',
      port: 2222,
    });
    expect(parse('ssh://web-01.example.com')).to.deep.equal({
      kind: 'ssh',
      user: 'me',
      host: 'web-01.example.com',
      port: 22,
      defaulted: ['user', 'port'],
    });
    expect(parse('ssh://admin@Web.Example.COM/')).to.deep.equal({
      kind: 'ssh',
      user: 'admin',
      host: 'web.example.com',
      port: 22,
      defaulted: ['port'],
    });
    expect(parse('ssh://web:22')).to.deep.equal({
      kind: 'ssh',
      user: 'me',
      host: 'web',
      port: 22,
      defaulted: ['user'],
    });
  });

  it('reads bracketed IPv6 addresses', () => {
    expect(parse('ssh://root@[::1]:2200')).to.deep.equal({ kind: 'ssh', user: 'root', host: '::1', port: 2200 });
    expect(parse('ssh://[fe80::1]')).to.include({ host: 'fe80::1', port: 22 });
  });

  it('decodes a %-encoded user name and keeps it as data', () => {
    const hostile = '$(reboot)`id`;rm -rf / \'x"*';
    const address = parse(`ssh://${encodeURIComponent(hostile)}@host`) as SshAddress;
    expect(address.user).to.equal(hostile);
    expect(parse('ssh://user%40EXAMPLE.COM@host')).to.include({ user: 'user@EXAMPLE.COM' });
  });

  it('names SSH targets as URLs with the port', () => {
    expect(sshTargetName({ kind: 'ssh', user: 'root', host: '10.0.0.5', port: 22 })).to.equal('ssh://root@10.0.0.5:22');
    expect(sshTargetName({ kind: 'ssh', user: 'a b', host: '::1', port: 2200 })).to.equal('ssh://a%20b@[::1]:2200');
  });

  const refused: [string, RegExp][] = [
    ['ssh://root:secret@host', /password does not belong/],
    ['ssh://root@host/etc/passwd', /no path, query or fragment/],
    ['ssh://root@host?port=1', /no path, query or fragment/],
    ['ssh://root@host#x', /no path, query or fragment/],
    ['ssh://root@host:0', /port must be 1-65535/],
    ['ssh://root@host:99999', /not a valid URL/],
    ['ssh://root@host:22x', /not a valid URL/],
    ['ssh://root@', /not a valid URL/],
    ['ssh://', /not a host name/],
    ['ssh://root@-oProxyCommand=sh', /not a host name/],
    ['ssh://root@host%20name', /not a host name/],
    ['ssh://root@bad_host$', /not a host name/],
    ['ssh://ro%0Aot@host', /control character/],
    ['ssh://ro%00ot@host', /control character/],
    ['ssh://ro%zzot@host', /malformed %-escape/],
    ['ssh:host', /unknown target/],
    ['http://host', /unknown target/],
    ['localhost', /unknown target/],
  ];
  for (const [text, reason] of refused) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      expect(() => parse(text)).to.throw(TargetAddressError, reason);
    });
  }
});
