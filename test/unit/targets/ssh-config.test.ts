import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { isSpecError } from '../../../src/inputs/input-error.js';
import { currentUser, parseTargetAddress, type SshAddress } from '../../../src/targets/address.js';
import { routeSshTarget } from '../../../src/targets/jump.js';
import { parseJumpList } from '../../../src/targets/jump-spec.js';
import { globMatches, hostLineMatches, resolveHostConfig, type SshConfig } from '../../../src/targets/ssh-config.js';
import { expandGlobPath, readSshConfig } from '../../../src/targets/ssh-config-read.js';
import { loadIdentity, type SshCredentials } from '../../../src/targets/ssh-credentials.js';
import { loadSshSettings, type SshSettings } from '../../../src/targets/ssh-settings.js';
import { usableKeyPair } from '../../../bench/sim/sweep.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/ssh-config/', import.meta.url));
const HOME = join(FIXTURES, 'home');
const CONFIG = join(HOME, '.ssh', 'config');
const at = (line: number, file = CONFIG) => `${file}:${line}`;
const scratch = mkdtempSync(join(tmpdir(), 'driftspec-ssh-config-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let written = 0;
/** A config file of its own for one test. */
function writeConfig(text: string): string {
  const file = join(scratch, `config-${++written}`);
  writeFileSync(file, text);
  return file;
}

describe('ssh_config', () => {
  const config = readSshConfig(CONFIG, { home: HOME });

  describe('host patterns', () => {
    it('matches * as any run of characters and ? as exactly one', () => {
      expect(globMatches('web-??', 'web-01')).to.equal(true);
      expect(globMatches('web-??', 'web-1')).to.equal(false);
      expect(globMatches('web-??', 'web-001')).to.equal(false);
      expect(globMatches('*.example.com', 'a.b.example.com')).to.equal(true);
      expect(globMatches('*.example.com', 'example.com')).to.equal(false);
      expect(globMatches('10.0.0.?', '10.0.0.7')).to.equal(true);
      expect(globMatches('10.0.0.?', '10.0.0.77')).to.equal(false);
      expect(globMatches('10.0.0.1', '10.0.0.1')).to.equal(true);
      expect(globMatches('10.0.0.1', '10a0a0a1'), 'a dot is no wildcard').to.equal(false);
      expect(globMatches('Web', 'web'), 'host names are compared in lower case').to.equal(true);
    });

    it('ignores a Host line whose negated pattern matches, whatever else matches', () => {
      const line = {
        patterns: [
          { negated: false, glob: '*' },
          { negated: true, glob: 'bastion' },
        ],
        source: 'x:1',
      };
      expect(hostLineMatches(line, 'web')).to.equal(true);
      expect(hostLineMatches(line, 'bastion')).to.equal(false);
      expect(
        hostLineMatches({ patterns: [{ negated: true, glob: 'bastion' }], source: 'x:1' }, 'web'),
        'a negation alone matches nothing',
      ).to.equal(false);
    });
  });

  describe('settings for a host', () => {
    it('takes the first value obtained for each keyword and every IdentityFile, with the line it came from', () => {
      const web = resolveHostConfig(config, 'web-01');
      expect(web.hostName).to.deep.equal({ value: 'web-01.prod.example.com', source: at(5) });
      expect(web.user).to.deep.equal({ value: 'deploy', source: at(6) });
      expect(web.port).to.deep.equal({ value: 2222, source: at(7) });
      expect(web.identityFiles).to.deep.equal([
        { value: '~/.ssh/id_everywhere', source: at(2) },
        { value: '~/.ssh/web_%r_%p_%n', source: at(8) },
        { value: '/keys/web-second', source: at(12) },
      ]);
    });

    it('skips a Host block whose negated pattern matches, and one whose ? needs one more character', () => {
      for (const host of ['web-99', 'web-1']) {
        const settings = resolveHostConfig(config, host);
        expect(settings.hostName, host).to.equal(undefined);
        expect(settings.user, host).to.deep.equal({ value: 'second-user-is-ignored', source: at(11) });
        expect(settings.port, host).to.deep.equal({ value: 2200, source: at(13) });
      }
    });

    it('falls through to Host * for what no earlier block set', () => {
      expect(resolveHostConfig(config, 'db').user).to.deep.equal({ value: 'everyone', source: at(61) });
      expect(resolveHostConfig(config, 'unknown-host')).to.deep.equal({
        identityFiles: [{ value: '~/.ssh/id_everywhere', source: at(2) }],
        user: { value: 'everyone', source: at(61) },
      });
    });

    it('reads quoted values and patterns', () => {
      expect(resolveHostConfig(config, 'bastion').identityFiles[1]).to.deep.equal({
        value: '~/.ssh/bastion key',
        source: at(22),
      });
      expect(resolveHostConfig(config, 'quoted').user).to.deep.equal({ value: 'quoted', source: at(52) });
      expect(resolveHostConfig(config, 'other').user).to.deep.equal({ value: 'quoted', source: at(52) });
    });

    it('evaluates Match host against the HostName obtained so far, not the name typed', () => {
      expect(resolveHostConfig(config, 'web-01').user?.value).to.equal('deploy');
      expect(config.directives.find((directive) => directive.source === at(55))?.when).to.deep.equal([
        {
          kind: 'match',
          criteria: [{ negated: false, name: 'host', patterns: [{ negated: false, glob: 'web-01' }] }],
          source: at(54),
        },
      ]);
    });

    it('reads ProxyJump chains, ProxyJump none and ProxyCommand, the first obtained winning', () => {
      expect(resolveHostConfig(config, 'db').proxy).to.deep.equal({
        value: { kind: 'jump', hops: [{ host: 'bastion' }, { user: 'ops', host: 'inner', port: 2200 }] },
        source: at(17),
      });
      expect(resolveHostConfig(config, 'bastion').proxy).to.deep.equal({ value: { kind: 'none' }, source: at(23) });
      expect(resolveHostConfig(config, 'legacy').proxy?.value).to.deep.equal({
        kind: 'command',
        command: 'ssh -W %h:%p gateway',
      });
      expect(resolveHostConfig(config, 'direct').proxy).to.deep.equal({ value: { kind: 'none' }, source: at(48) });
    });

    it('includes files by glob under ~/.ssh, in order, inside the Host block that includes them', () => {
      const confD = join(HOME, '.ssh', 'conf.d');
      expect(config.files).to.deep.equal([CONFIG, join(confD, '10-first.conf'), join(confD, '20-second.conf')]);
      expect(resolveHostConfig(config, 'included-x')).to.deep.include({
        port: { value: 2300, source: at(2, join(confD, '10-first.conf')) },
        user: { value: 'included-user', source: at(1, join(confD, '20-second.conf')) },
        hostName: { value: '198.51.100.20', source: at(3, join(confD, '20-second.conf')) },
      });
      expect(resolveHostConfig(config, 'included-special').user?.value).to.equal('special');
      const outside = resolveHostConfig(config, 'web-01');
      expect(outside.port?.value, 'lines of an included file stay inside the including Host block').to.equal(2222);
      expect(
        resolveHostConfig(config, 'nothing-special').hostName,
        'Match all in an included file stays inside it too',
      ).to.equal(undefined);
    });

    it('expands Include globs in any path component, files only, sorted', () => {
      const root = mkdtempSync(join(tmpdir(), 'driftspec-glob-'));
      for (const dir of ['b', 'a', 'c.d']) mkdirSync(join(root, dir));
      for (const file of ['a/1.conf', 'b/2.conf', 'b/x.txt', 'c.d/3.conf', 'a/.hidden.conf'])
        writeFileSync(join(root, file), '');
      mkdirSync(join(root, 'b', 'dir.conf'));
      expect(expandGlobPath(join(root, '*', '*.conf'))).to.deep.equal([
        join(root, 'a/1.conf'),
        join(root, 'b/2.conf'),
        join(root, 'c.d/3.conf'),
      ]);
      expect(expandGlobPath(join(root, '[ab]', '?.conf'))).to.deep.equal([
        join(root, 'a/1.conf'),
        join(root, 'b/2.conf'),
      ]);
      expect(expandGlobPath(join(root, 'a', '1.conf'))).to.deep.equal([join(root, 'a/1.conf')]);
      expect(expandGlobPath(join(root, 'none', '*.conf'))).to.deep.equal([]);
    });
  });

  describe('malformed files', () => {
    const cases: [string, number, RegExp][] = [
      ['port.conf', 3, /Port must be a number 1-65535/],
      ['quote.conf', 3, /unterminated quote/],
      ['host-without-pattern.conf', 2, /Host needs a value/],
      ['proxyjump-crlf.conf', 3, /ProxyJump: "root@" is not a jump host/],
      ['identity-token.conf', 2, /IdentityFile token %C is not supported/],
      ['hostname.conf', 2, /HostName "two words" is not a host name/],
      ['identity-spaces.conf', 2, /IdentityFile is one path \(quote a path with spaces\)/],
    ];
    for (const [file, line, message] of cases) {
      it(`names the file and line of ${file}`, () => {
        const path = join(FIXTURES, 'bad', file);
        expect(() => readSshConfig(path, { home: HOME }))
          .to.throw(Error, message)
          .that.satisfies((error: Error) => isSpecError(error) && error.message.startsWith(`${path}:${line}: `));
      });
    }

    it('refuses an Include that nests itself without end, and a file it cannot read', () => {
      const dir = mkdtempSync(join(tmpdir(), 'driftspec-sshconfig-'));
      const loop = join(dir, 'loop.conf');
      writeFileSync(loop, `# includes itself\nInclude ${loop}\n`);
      expect(() => readSshConfig(loop, { home: dir })).to.throw(
        Error,
        new RegExp(`^${loop}:2: Include nested more than 16 deep`),
      );
      expect(() => readSshConfig(join(dir, 'absent'), { home: dir })).to.throw(
        Error,
        /absent: cannot read the ssh_config file: ENOENT/,
      );
    });
  });

  describe('jump host lists', () => {
    it('reads [user@]host[:port] and ssh:// forms, comma-separated', () => {
      expect(parseJumpList('bastion,ops@inner:2200,ssh://root@[2001:db8::1]:2022,[::1]')).to.deep.equal([
        { host: 'bastion' },
        { user: 'ops', host: 'inner', port: 2200 },
        { user: 'root', host: '2001:db8::1', port: 2022 },
        { host: '::1' },
      ]);
    });

    for (const bad of ['', 'a,,b', 'root@', 'host:0', 'ho st', 'ssh://a:b@host', '-oProxyCommand=x']) {
      it(`refuses ${JSON.stringify(bad)}`, () => {
        expect(() => parseJumpList(bad)).to.throw(Error, /jump host/);
      });
    }
  });
});

describe('routes to SSH targets', () => {
  const config = readSshConfig(CONFIG, { home: HOME });
  const keys = mkdtempSync(join(tmpdir(), 'driftspec-route-keys-'));
  mkdirSync(join(keys, '.ssh'));
  const keyFile = join(keys, '.ssh', 'web_deploy_2222_web-01');
  writeFileSync(keyFile, usableKeyPair().private, { mode: 0o600 });

  function settings(overrides: Partial<SshSettings> = {}, sshConfig: SshConfig | null = config): SshSettings {
    return {
      credentials: { identities: [] },
      hostKeys: { knownHosts: [], knownHostsFiles: [], pins: [], acceptNew: false },
      connectTimeoutMs: 10_000,
      home: keys,
      configIdentities: new Map(),
      ...(sshConfig ? { sshConfig } : {}),
      ...overrides,
    };
  }
  const address = (url: string) => parseTargetAddress(url, () => 'me') as SshAddress;
  const hops = (options: ReturnType<typeof routeSshTarget>) =>
    (options.jumps ?? []).map((hop) => `${hop.name} → ${hop.address.user}@${hop.address.host}:${hop.address.port}`);

  it('applies HostName, User and Port under the name the user typed', () => {
    const route = routeSshTarget(address('ssh://web-01'), settings());
    expect(route.name).to.equal('ssh://deploy@web-01:2222');
    expect(route.address).to.deep.equal({ kind: 'ssh', user: 'deploy', host: 'web-01.prod.example.com', port: 2222 });
    expect(route.jumps).to.equal(undefined);
  });

  it('lets a user or port written in the URL win over ssh_config', () => {
    expect(routeSshTarget(address('ssh://admin@web-01'), settings()).address).to.include({ user: 'admin', port: 2222 });
    expect(routeSshTarget(address('ssh://web-01:22'), settings()).address).to.include({ user: 'deploy', port: 22 });
    expect(routeSshTarget(address('ssh://admin@web-01:22'), settings()).name).to.equal('ssh://admin@web-01:22');
  });

  it('falls back to the current user and port 22, and uses nothing of ssh_config with --no-ssh-config', () => {
    const route = routeSshTarget(address('ssh://web-01'), settings({}, null));
    expect(route.name).to.equal('ssh://me@web-01:22');
    expect(route.address).to.deep.equal({ kind: 'ssh', user: 'me', host: 'web-01', port: 22 });
  });

  it("uses ssh_config's IdentityFiles with ~ and tokens expanded, skipping absent ones and telling them", () => {
    const credentials = routeSshTarget(address('ssh://web-01'), settings()).credentials;
    expect(credentials.identities.map((identity) => identity.path)).to.deep.equal([keyFile]);
    expect(credentials.unusable).to.deep.equal([
      `IdentityFile ${join(keys, '.ssh/id_everywhere')} (${at(2)}): cannot read the key file: ENOENT`,
      `IdentityFile /keys/web-second (${at(12)}): cannot read the key file: ENOENT`,
    ]);
  });

  it('lets keys named with --identity win over IdentityFile; default keys give way to it', () => {
    const named = loadIdentity(keyFile);
    const cli: SshCredentials = { identities: [named] };
    expect(routeSshTarget(address('ssh://web-99'), settings({ credentials: cli })).credentials).to.equal(cli);
    const defaults: SshCredentials = { identities: [{ ...named, fromDefaultPath: true }], agentSocket: '/agent' };
    const viaConfig = routeSshTarget(address('ssh://web-01'), settings({ credentials: defaults })).credentials;
    expect(viaConfig.identities.map((identity) => identity.path)).to.deep.equal([keyFile]);
    expect(viaConfig.agentSocket, 'the agent is still tried').to.equal('/agent');
  });

  it('resolves each jump host of a ProxyJump chain through ssh_config, the first through its own ProxyJump', () => {
    const route = routeSshTarget(address('ssh://root@db'), settings());
    expect(route.address).to.deep.equal({ kind: 'ssh', user: 'root', host: '10.0.0.7', port: 22 });
    expect(hops(route)).to.deep.equal([
      'ssh://jumper@bastion:22 → jumper@bastion.example.com:22',
      'ssh://ops@inner:2200 → ops@10.0.1.5:2200',
    ]);
    expect(hops(routeSshTarget(address('ssh://deep'), settings()))).to.deep.equal([
      'ssh://jumper@bastion:22 → jumper@bastion.example.com:22',
      'ssh://everyone@relay:2022 → everyone@relay:2022',
    ]);
  });

  it('lets --jump replace ProxyJump, for hosts with and without ssh_config', () => {
    const jumps = parseJumpList('ssh://root@10.9.9.9:2022');
    expect(hops(routeSshTarget(address('ssh://root@db'), settings({ jumps })))).to.deep.equal([
      'ssh://root@10.9.9.9:2022 → root@10.9.9.9:2022',
    ]);
    const plain = routeSshTarget(
      address('ssh://root@10.232.1.2'),
      settings({ jumps: parseJumpList('10.231.20.2,bastion') }, null),
    );
    const me = currentUser();
    expect(hops(plain), 'a jump host without a user is logged into as the local user').to.deep.equal([
      `ssh://${me}@10.231.20.2:22 → ${me}@10.231.20.2:22`,
      `ssh://${me}@bastion:22 → ${me}@bastion:22`,
    ]);
    expect(plain.name).to.equal('ssh://root@10.232.1.2:22');
  });

  it('refuses a ProxyJump loop as a configuration error naming the line', () => {
    expect(() => routeSshTarget(address('ssh://loop-a'), settings())).to.throw(
      Error,
      new RegExp(`^${at(39)}: ProxyJump loops for ssh://everyone@loop-a:22: loop-a → loop-b → loop-a`),
    );
  });

  it('reaches a host through ProxyCommand with its tokens replaced, when it comes before ProxyJump', () => {
    const legacy = routeSshTarget(address('ssh://legacy'), settings());
    expect(legacy.proxyCommand).to.deep.equal({ command: 'ssh -W legacy:22 gateway', source: at(44) });
    expect(legacy.jumps, 'the later ProxyJump is ignored').to.equal(undefined);
    const direct = routeSshTarget(address('ssh://direct'), settings());
    expect(direct.proxyCommand, 'ProxyJump none came first').to.equal(undefined);
    expect(direct.jumps).to.equal(undefined);
  });

  it('lets --proxy-command replace ProxyCommand and ProxyJump, tokens from the host it reaches', () => {
    const proxyCommand = { command: 'nc %h %p # %r %n %%', source: '--proxy-command' };
    const db = routeSshTarget(address('ssh://db'), settings({ proxyCommand }));
    expect(db.jumps).to.equal(undefined);
    expect(db.proxyCommand).to.deep.equal({ command: 'nc 10.0.0.7 22 # everyone db %', source: '--proxy-command' });
    const web = routeSshTarget(address('ssh://web-01'), settings({ proxyCommand }));
    expect(web.proxyCommand?.command).to.equal('nc web-01.prod.example.com 2222 # deploy web-01 %');
  });

  it('connects directly when ProxyCommand none comes first, and takes ProxyJump when it comes first', () => {
    const file = writeConfig(
      'Host plain\n  ProxyCommand none\nHost jumped\n  ProxyJump bastion\nHost *\n  ProxyCommand nc %h %p\n',
    );
    const config = readSshConfig(file, { home: HOME });
    const plain = routeSshTarget(address('ssh://plain'), settings({}, config));
    expect([plain.proxyCommand, plain.jumps]).to.deep.equal([undefined, undefined]);
    const jumped = routeSshTarget(address('ssh://jumped'), settings({}, config));
    expect(jumped.proxyCommand).to.equal(undefined);
    expect(hops(jumped)).to.have.length(1);
    expect(routeSshTarget(address('ssh://other'), settings({}, config)).proxyCommand?.command).to.equal('nc other 22');
    const viaJump = routeSshTarget(address('ssh://other'), settings({ jumps: parseJumpList('hop') }, config));
    expect(viaJump.proxyCommand, "--jump replaces the target's ProxyCommand").to.equal(undefined);
    expect(
      viaJump.jumps?.map((hop) => hop.proxyCommand?.command),
      'the jump host keeps its own',
    ).to.deep.equal(['nc hop 22']);
  });

  it('reaches the first jump host through its own ProxyCommand, never a later one', () => {
    const file = writeConfig(
      'Host target\n  ProxyJump first,second\nHost first second\n  ProxyCommand connect-to %h\n',
    );
    const route = routeSshTarget(address('ssh://target'), settings({}, readSshConfig(file, { home: HOME })));
    expect(route.proxyCommand).to.equal(undefined);
    expect(route.jumps?.map((hop) => hop.proxyCommand?.command)).to.deep.equal(['connect-to first', undefined]);
  });

  it('reads ~/.ssh/config by default, the named file instead, and none with --no-ssh-config', () => {
    const home = mkdtempSync(join(tmpdir(), 'driftspec-home-'));
    const noSystemFile = join(home, 'no-system-file');
    expect(
      loadSshSettings({ connectTimeout: 10 }, {}, home, noSystemFile).sshConfig,
      'no ~/.ssh/config is fine',
    ).to.equal(undefined);
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'config'), 'Host a\n  User from-default\n');
    expect(loadSshSettings({ connectTimeout: 10 }, {}, home, noSystemFile).sshConfig?.files).to.deep.equal([
      join(home, '.ssh', 'config'),
    ]);
    expect(loadSshSettings({ connectTimeout: 10, sshConfig: CONFIG }, {}, home).sshConfig?.files[0]).to.equal(CONFIG);
    expect(loadSshSettings({ connectTimeout: 10, sshConfig: false }, {}, home).sshConfig).to.equal(undefined);
    expect(() => loadSshSettings({ connectTimeout: 10, sshConfig: join(home, 'absent') }, {}, home)).to.throw(
      Error,
      /absent: cannot read the ssh_config file: ENOENT/,
    );
  });
});
