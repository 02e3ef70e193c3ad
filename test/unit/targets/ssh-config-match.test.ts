import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { resolveHostConfig, type MatchSubject, type SshConfig } from '../../../src/targets/ssh-config.js';
import { readSshConfig } from '../../../src/targets/ssh-config-read.js';
import { loadSshSettings } from '../../../src/targets/ssh-settings.js';

const scratch = mkdtempSync(join(tmpdir(), 'driftspec-ssh-match-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let written = 0;

function configFile(lines: readonly string[]): string {
  const file = join(scratch, `config-${++written}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function read(lines: readonly string[]): { config: SshConfig; file: string } {
  const file = configFile(lines);
  return { config: readSshConfig(file, { home: scratch }), file };
}

const subject = (originalHost: string, more: Partial<MatchSubject> = {}): MatchSubject => ({
  originalHost,
  defaultUser: 'ci',
  localUser: 'ci',
  ...more,
});

describe('ssh_config Match blocks', () => {
  it('matches host, originalhost, user and localuser, every criterion needed, ! negating one', () => {
    const { config } = read([
      'Host alias',
      '  HostName 10.0.0.9',
      'Match host 10.0.0.* originalhost alias user root',
      '  Port 2201',
      'Match !host 10.0.0.* localuser ci',
      '  Port 2202',
      'Match localuser builder,!ci',
      '  Port 2203',
    ]);
    const port = (who: MatchSubject) => resolveHostConfig(config, who).port?.value;
    expect(port(subject('alias', { explicitUser: 'root' })), 'HostName, the alias and the user').to.equal(2201);
    expect(port(subject('alias')), 'the user is the local one: no 2201; the host is 10.0.0.9: no 2202').to.equal(
      undefined,
    );
    expect(port(subject('web', { localUser: 'ci' }))).to.equal(2202);
    expect(port(subject('10.0.0.1', { localUser: 'builder' }))).to.equal(2203);
    expect(port(subject('10.0.0.1', { localUser: 'ci' })), 'a negated pattern in the list wins').to.equal(undefined);
  });

  it("takes the user obtained so far for Match user: the URL's, else an earlier User line, else the default", () => {
    const { config } = read([
      'Host *.internal',
      '  User deploy',
      'Match user deploy',
      '  IdentityFile ~/.ssh/deploy_key',
      'Match user ci',
      '  IdentityFile ~/.ssh/ci_key',
    ]);
    const keys = (who: MatchSubject) => resolveHostConfig(config, who).identityFiles.map((file) => file.value);
    expect(keys(subject('a.internal'))).to.deep.equal(['~/.ssh/deploy_key']);
    expect(keys(subject('a.internal', { explicitUser: 'ci' }))).to.deep.equal(['~/.ssh/ci_key']);
    expect(keys(subject('elsewhere'))).to.deep.equal(['~/.ssh/ci_key']);
  });

  it('compares host names in lower case and user names as written', () => {
    const { config } = read(['Match host WEB user Root', '  Port 2210']);
    expect(resolveHostConfig(config, subject('web', { explicitUser: 'Root' })).port?.value).to.equal(2210);
    expect(resolveHostConfig(config, subject('web', { explicitUser: 'root' })).port).to.equal(undefined);
  });

  it('applies Match all, and canonical and final only in the second pass a Match final asks for', () => {
    const { config } = read([
      'Match canonical',
      '  User from-canonical',
      'Match all',
      '  IdentityFile ~/.ssh/everywhere',
      'Match final host 192.0.2.*',
      '  Port 2220',
      'Host box',
      '  HostName 192.0.2.4',
    ]);
    const box = resolveHostConfig(config, subject('box'));
    expect(box.port?.value, 'host is the HostName set after the Match line, known in the final pass').to.equal(2220);
    expect(box.user?.value).to.equal('from-canonical');
    expect(
      box.identityFiles.map((file) => file.value),
      'not twice for two passes',
    ).to.deep.equal(['~/.ssh/everywhere']);
    const { config: noFinal } = read(['Match canonical', '  User from-canonical']);
    expect(resolveHostConfig(noFinal, subject('box')).user, 'no final pass without Match final').to.equal(undefined);
  });

  it('refuses Match exec naming the file and line, only for a host that reaches it', () => {
    const { config, file } = read(['Match host aws-* exec "aws sts get-caller-identity"', '  User ec2-user']);
    expect(resolveHostConfig(config, subject('on-prem')).user).to.equal(undefined);
    expect(() => resolveHostConfig(config, subject('aws-1'))).to.throw(
      Error,
      new RegExp(`^${file}:1: Match exec "aws sts get-caller-identity" would run a command to decide`),
    );
    const { config: address, file: addressFile } = read(['Match address 10.0.0.0/8', '  User x']);
    expect(() => resolveHostConfig(address, subject('a'))).to.throw(
      Error,
      new RegExp(`^${addressFile}:1: Match address is not supported`),
    );
  });

  it('refuses an unknown criterion, a criterion without its value and Match all with others when reading', () => {
    for (const [line, message] of [
      ['Match hots web', 'Match criterion "hots" is unknown'],
      ['Match host web user', 'Match user needs a value'],
      ['Match all host web', 'Match all cannot be combined with other criteria than canonical and final'],
    ] as const) {
      const file = configFile(['Host a', '  User b', line, '  Port 2']);
      expect(() => readSshConfig(file, { home: scratch }), line).to.throw(Error, `${file}:3: ${message}`);
    }
  });

  it('applies the lines of an Include inside a Match block only where the Match holds', () => {
    mkdirSync(join(scratch, '.ssh'), { recursive: true });
    writeFileSync(join(scratch, '.ssh', 'match-included.conf'), 'User included\n');
    const { config } = read(['Match originalhost inc-*', '  Include match-included.conf']);
    expect(resolveHostConfig(config, subject('inc-1')).user?.value).to.equal('included');
    expect(resolveHostConfig(config, subject('other')).user).to.equal(undefined);
  });
});

describe('the system-wide ssh_config', () => {
  const home = join(scratch, 'home');
  const system = join(scratch, 'etc-ssh');
  const systemFile = join(system, 'ssh_config');
  before(() => {
    mkdirSync(join(home, '.ssh'), { recursive: true });
    mkdirSync(join(system, 'ssh_config.d'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), 'Host web\n  User from-user-file\n');
    writeFileSync(systemFile, 'Include ssh_config.d/*.conf\nHost *\n  User from-system-file\n  Port 2022\n');
    writeFileSync(join(system, 'ssh_config.d', 'cloud.conf'), 'Host cloud-*\n  ProxyCommand connect %h\n');
  });
  const settings = (flags: { sshConfig?: string | false } = {}) =>
    loadSshSettings({ connectTimeout: 10, ...flags }, {}, home, systemFile).sshConfig;

  it("is read after the user's file, the first value winning, its relative Include under its own directory", () => {
    const config = settings();
    expect(config?.files).to.deep.equal([
      join(home, '.ssh', 'config'),
      systemFile,
      join(system, 'ssh_config.d', 'cloud.conf'),
    ]);
    expect(resolveHostConfig(config, 'web')).to.deep.include({
      user: { value: 'from-user-file', source: `${join(home, '.ssh', 'config')}:2` },
      port: { value: 2022, source: `${systemFile}:4` },
    });
    expect(resolveHostConfig(config, 'cloud-1').proxy?.value).to.deep.equal({ kind: 'command', command: 'connect %h' });
  });

  it('is not read with --ssh-config (which replaces both files) or --no-ssh-config', () => {
    const named = configFile(['Host web', '  User from-named']);
    expect(settings({ sshConfig: named })?.files).to.deep.equal([named]);
    expect(resolveHostConfig(settings({ sshConfig: named }), 'web').port).to.equal(undefined);
    expect(settings({ sshConfig: false })).to.equal(undefined);
  });

  it('is read alone when the user has no file', () => {
    const bare = join(scratch, 'bare-home');
    mkdirSync(bare, { recursive: true });
    const config = loadSshSettings({ connectTimeout: 10 }, {}, bare, systemFile).sshConfig;
    expect(resolveHostConfig(config, 'web').user?.value).to.equal('from-system-file');
  });
});
