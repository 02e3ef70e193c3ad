import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SpecError } from '../../src/inputs/input-error.js';
import {
  InventoryLimitError,
  loadInventory,
  parseInventory,
  selectHosts,
  type Inventory,
} from '../../src/inventory/load.js';
import { inventoryFileSchema } from '../../src/inventory/schema.js';
import { selectTargets } from '../../src/inventory/select.js';
import { inventoryTargets } from '../../src/inventory/targets.js';
import { loadSshSettings, type SshSettings } from '../../src/targets/ssh-settings.js';
import type { SshTargetOptions } from '../../src/targets/ssh.js';
import { usableKeyPair } from '../../bench/sim/sweep.js';

const EXAMPLE = fileURLToPath(new URL('../../docs/examples/inventory.yaml', import.meta.url));
const FINGERPRINT = 'SHA256:3o5fVfAQxW4JKZtmNWmTaVq5kjUyUbZpvo1AjChDZE8';

function inventory(text: string): Inventory {
  return parseInventory(text, 'fleet.yaml', {
    baseDir: '/inventories',
    home: '/home/auditor',
    defaultUser: () => 'me',
  });
}

function inventoryError(text: string): string {
  try {
    inventory(text);
  } catch (error) {
    expect(error).to.be.instanceOf(SpecError);
    return (error as Error).message;
  }
  throw new Error('expected the inventory to be rejected');
}

function names(hosts: readonly { name: string }[]): string[] {
  return hosts.map((host) => host.name);
}

describe('inventory', () => {
  describe('the documented example (docs/examples/inventory.yaml)', () => {
    const example = loadInventory(EXAMPLE);

    it('resolves every host with the defaults filled in', () => {
      expect(names(example.hosts)).to.deep.equal([
        'web-1',
        'web-2',
        'db-1.example.com',
        'db-2',
        'bastion',
        'i-0abc123def4567890',
      ]);
      const [web1, , db1, db2, bastion, instance] = example.hosts;
      expect(instance!.proxyCommand).to.deep.include({
        command: 'aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p',
      });
      expect(web1!.proxyCommand).to.equal(undefined);
      expect(web1!.address).to.deep.equal({
        kind: 'ssh',
        user: 'audit',
        host: '10.0.0.11',
        port: 22,
        defaulted: ['port'],
      });
      expect(web1!.tags).to.deep.equal(['web', 'debian']);
      expect(db1!.address).to.deep.equal({
        kind: 'ssh',
        user: 'audit',
        host: 'db-1.example.com',
        port: 22,
        defaulted: ['port'],
      });
      expect(db2!.address).to.deep.equal({ kind: 'ssh', user: 'root', host: 'db-2.example.com', port: 2222 });
      expect(db2!.hostKeys).to.deep.equal([FINGERPRINT]);
      expect(bastion!.address).to.deep.equal({ kind: 'ssh', user: 'ops', host: '192.0.2.10', port: 2222 });
      expect(bastion!.identityFiles).to.deep.equal([join(EXAMPLE, '..', 'keys', 'ops_ed25519')]);
      expect(bastion!.identityLocation()).to.match(/inventory\.yaml:27:5$/);
      expect(web1!.identityLocation()).to.match(/inventory\.yaml:8:3$/);
    });

    it('expands child groups and merges vars from the farthest group to the host', () => {
      expect(Object.fromEntries(example.groups)).to.deep.equal({
        web: ['web-1', 'web-2'],
        databases: ['db-1.example.com', 'db-2'],
        production: ['web-1', 'web-2', 'db-1.example.com', 'db-2'],
      });
      const [web1, , db1, , bastion] = example.hosts;
      expect(web1!.groups).to.deep.equal(['web', 'production']);
      expect(db1!.vars).to.deep.equal({ owner: 'platform-team', environment: 'prod', backup: 'nightly' });
      expect(bastion!.vars).to.deep.equal({ owner: 'platform-team', role: 'jump' });
    });

    it('is valid against the schema the JSON Schema is generated from', () => {
      expect(names(selectHosts(example, ['web', 'bastion']))).to.deep.equal(['web-1', 'web-2', 'bastion']);
    });
  });

  describe('hosts', () => {
    it('reaches a host without host or url by its name, with the current user and port 22', () => {
      const [host] = inventory('hosts:\n  Web-1.Example.COM:\n').hosts;
      // ssh_config may still name the user and port.
      expect(host!.address).to.deep.equal({
        kind: 'ssh',
        user: 'me',
        host: 'web-1.example.com',
        port: 22,
        defaulted: ['user', 'port'],
      });
      expect(host).to.include({ name: 'Web-1.Example.COM' });
      expect(host!.identityFiles).to.deep.equal([]);
      expect(host!.hostKeys).to.deep.equal([]);
    });

    it('takes a url, with the defaults for what the url leaves out, and local', () => {
      const loaded = inventory(
        'defaults:\n  user: ops\nhosts:\n  a:\n    url: ssh://[2001:db8::7]:2200\n  b:\n    url: ' +
          'ssh://root@b.example\n  here:\n    url: local\n',
      );
      expect(loaded.hosts.map((h) => h.address)).to.deep.equal([
        { kind: 'ssh', user: 'ops', host: '2001:db8::7', port: 2200 },
        { kind: 'ssh', user: 'root', host: 'b.example', port: 22, defaulted: ['port'] },
        { kind: 'local' },
      ]);
      const [withPort] = inventory('defaults:\n  port: 2222\nhosts:\n  c:\n    url: ssh://c.example\n').hosts;
      expect(withPort!.address).to.deep.equal({
        kind: 'ssh',
        user: 'me',
        host: 'c.example',
        port: 2222,
        defaulted: ['user'],
      });
    });

    it('resolves key files from the inventory directory and ~, one or many', () => {
      const loaded = inventory(
        'defaults:\n  identity: [keys/a, ~/.ssh/b]\nhosts:\n  x:\n  y:\n    identity: /etc/keys/y\n',
      );
      expect(loaded.hosts.map((h) => h.identityFiles)).to.deep.equal([
        ['/inventories/keys/a', '/home/auditor/.ssh/b'],
        ['/etc/keys/y'],
      ]);
    });

    it('lets a host override the defaults, vars key by key', () => {
      const [host] = inventory(
        'defaults:\n  user: a\n  port: 2200\n  vars: { x: 1, y: 2 }\nhosts:\n  h:\n    user: b\n    port: 22\n    ' +
          'vars: { y: 3 }\n',
      ).hosts;
      expect(host!.address).to.deep.include({ user: 'b', port: 22 });
      expect(host!.vars).to.deep.equal({ x: 1, y: 3 });
    });
  });

  describe('groups', () => {
    const text = [
      'hosts:',
      '  a:',
      '  b:',
      '  c:',
      '  d:',
      'groups:',
      '  outer:',
      '    groups: [middle]',
      '    vars: { level: outer, from: outer }',
      '  middle:',
      '    groups: [inner]',
      '    hosts: [d]',
      '    vars: { level: middle }',
      '  inner: [a, b]',
      '  sibling:',
      '    hosts: [a]',
      '    vars: { level: sibling }',
      '  empty: []',
      '',
    ].join('\n');

    it('holds the hosts of child groups at any depth, in file order', () => {
      const loaded = inventory(text);
      expect(Object.fromEntries(loaded.groups)).to.deep.equal({
        outer: ['a', 'b', 'd'],
        middle: ['a', 'b', 'd'],
        inner: ['a', 'b'],
        sibling: ['a'],
        empty: [],
      });
      expect(loaded.hosts[0]!.groups).to.deep.equal(['outer', 'middle', 'inner', 'sibling']);
      expect(loaded.hosts[2]!.groups).to.deep.equal([]);
    });

    it('applies the nearest group last; among equally near groups the later one in the file', () => {
      const [a, b, , d] = inventory(text).hosts;
      expect(d!.vars).to.deep.equal({ level: 'middle', from: 'outer' });
      expect(b!.vars).to.deep.equal({ level: 'middle', from: 'outer' });
      // a is listed directly by sibling (distance 1) and reached through inner (1), middle (2), outer (3).
      expect(a!.vars).to.deep.equal({ level: 'sibling', from: 'outer' });
    });

    it('gives hosts that say the same one list and one vars map, and a host with vars of its own its own map', () => {
      const [a, b, c] = inventory(
        'defaults:\n  identity: k\nhosts:\n  a:\n    tags: [t]\n  b:\n    tags: [t]\n  c:\n    vars: { z: 1 }\n' +
          'groups:\n  g:\n    hosts: [a, b, c]\n    vars: { x: 1 }\n',
      ).hosts;
      expect(a!.tags).to.equal(b!.tags);
      expect(a!.identityFiles).to.equal(c!.identityFiles);
      expect(a!.groups).to.equal(c!.groups);
      expect(a!.vars).to.equal(b!.vars);
      expect(c!.vars).to.not.equal(a!.vars);
      expect([a!.vars, c!.vars]).to.deep.equal([{ x: 1 }, { x: 1, z: 1 }]);
      expect(c!.tags).to.equal(c!.hostKeys).and.deep.equal([]);
      // a is in sibling as well as inner, middle and outer: its groups and vars are not b's.
      const [inA, inB] = inventory(text).hosts;
      expect(inA!.groups).to.not.equal(inB!.groups);
      expect(inA!.vars).to.not.equal(inB!.vars);
    });

    it('lets a list name hosts and groups alike', () => {
      const loaded = inventory('hosts:\n  a:\n  b:\ngroups:\n  one: [a]\n  both: [one, b]\n');
      expect(loaded.groups.get('both')).to.deep.equal(['a', 'b']);
    });
  });

  describe('mistakes name file, line and column', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['an unknown key', 'hosts:\n  a:\n    adress: 10.0.0.1\n', /^fleet\.yaml:3:5: hosts\.a: unknown key "adress"/],
      ['a port out of range', 'hosts:\n  a:\n    port: 70000\n', /^fleet\.yaml:3:5: hosts\.a\.port: /],
      ['a bad host name', 'hosts:\n  "a b":\n', /^fleet\.yaml:2:3: hosts\.a b: a host or group name is letters/],
      ['no hosts', 'hosts: {}\n', /^fleet\.yaml:1:1: hosts: an inventory needs at least one host/],
      ['a missing hosts key', 'groups: {}\n', /^fleet\.yaml:1:1: hosts: /],
      ['not a map', '- a\n- b\n', /^fleet\.yaml:1:1: an inventory file must be a map with `hosts:`/],
      ['a YAML syntax error', 'hosts:\n  a: [\n', /^fleet\.yaml:\d+:\d+: YAML syntax error/],
      [
        'a host listed twice',
        'hosts:\n  a:\n  a:\n',
        /^fleet\.yaml:\d+:\d+: YAML syntax error: Map keys must be unique/,
      ],
      ['an invalid address', 'hosts:\n  a:\n    host: "bad host!"\n', /^fleet\.yaml:3:5: host: not a host name/],
      [
        'a name that is no address',
        'hosts:\n  under_score-:\n',
        /^fleet\.yaml:2:3: the host name is used as the address but is not a host name.*; set host: or url:/,
      ],
      [
        'a bad url',
        'hosts:\n  a:\n    url: http://a\n',
        /^fleet\.yaml:3:5: url: unknown target; expected "local", ssh:\/\/.*, or an image: rootfs:/,
      ],
      [
        'a password in a url',
        'hosts:\n  a:\n    url: ssh://u:secret@a\n',
        /^fleet\.yaml:3:5: url: a password does not belong in a target URL/,
      ],
      [
        'url beside port',
        'hosts:\n  a:\n    url: ssh://a\n    port: 2\n',
        /^fleet\.yaml:4:5: "url" and "port" exclude each other/,
      ],
      ['a bad fingerprint', 'hosts:\n  a:\n    hostKey: MD5:aa\n', /^fleet\.yaml:3:5: expected a SHA256 fingerprint/],
      [
        'a ProxyCommand token not replaced',
        'hosts:\n  a:\n    proxyCommand: nc %C\n',
        /^fleet\.yaml:3:5: hosts\.a\.proxyCommand: ProxyCommand token %C is not supported/,
      ],
      [
        'a bad defaults fingerprint',
        'defaults:\n  hostKey: [nope]\nhosts:\n  a:\n',
        /^fleet\.yaml:2:3: expected a SHA256 fingerprint/,
      ],
      [
        'two hosts on one target',
        'hosts:\n  a:\n    host: 10.0.0.1\n  b:\n    url: ssh://me@10.0.0.1:22\n',
        /^fleet\.yaml:4:3: "b" reaches the same target as "a" \(ssh:\/\/me@10\.0\.0\.1:22\)/,
      ],
      [
        'an unknown group member',
        'hosts:\n  a:\ngroups:\n  g: [a, z]\n',
        /^fleet\.yaml:4:10: unknown host or group "z"; the inventory has hosts a and groups g$/,
      ],
      [
        'a group under hosts',
        'hosts:\n  a:\ngroups:\n  g: [a]\n  h:\n    hosts: [g]\n',
        /^fleet\.yaml:6:13: unknown host "g" \("g" is a group: list it under groups\)/,
      ],
      [
        'a host under groups',
        'hosts:\n  a:\ngroups:\n  h:\n    groups: [a]\n',
        /^fleet\.yaml:5:14: unknown group "a" \("a" is a host: list it under hosts\)/,
      ],
      [
        'a group as a string',
        'hosts:\n  a:\ngroups:\n  g: a\n',
        /^fleet\.yaml:4:3: groups\.g: a group is a list of host or group names, or a map with hosts, groups and vars/,
      ],
      [
        'a name both host and group',
        'hosts:\n  a:\ngroups:\n  a: []\n',
        /^fleet\.yaml:4:3: "a" is both a host and a group/,
      ],
      [
        'a group called all',
        'hosts:\n  a:\ngroups:\n  all: [a]\n',
        /^fleet\.yaml:4:3: "all" is the implicit group of every host/,
      ],
      [
        'a host called all',
        'hosts:\n  a:\n  all:\n',
        /^fleet\.yaml:3:3: "all" is the implicit group of every host; choose another host/,
      ],
      [
        'a cycle',
        'hosts:\n  a:\ngroups:\n  x: [y]\n  y:\n    groups: [z]\n  z: [x, a]\n',
        /^fleet\.yaml:7:7: groups contain each other in a cycle: x → y → z → x/,
      ],
      [
        'a group containing itself',
        'hosts:\n  a:\ngroups:\n  x: [a, x]\n',
        /^fleet\.yaml:4:10: groups contain each other in a cycle: x → x/,
      ],
    ];
    for (const [what, text, expected] of cases) {
      it(what, () => expect(inventoryError(text)).to.match(expected));
    }

    it('a missing file', () => {
      expect(() => loadInventory('/nonexistent/fleet.yaml')).to.throw(
        SpecError,
        '/nonexistent/fleet.yaml: inventory file not found',
      );
    });
  });

  describe('--limit', () => {
    const loaded = () => inventory('hosts:\n  a:\n  b:\n  c:\ngroups:\n  ab: [a, b]\n  bc: [b, c]\n  none: []\n');

    it('selects hosts and groups, comma-separated or repeated, each host once in file order', () => {
      expect(names(selectHosts(loaded(), ['bc', 'a']))).to.deep.equal(['a', 'b', 'c']);
      expect(names(selectHosts(loaded(), ['c,ab']))).to.deep.equal(['a', 'b', 'c']);
      expect(names(selectHosts(loaded(), ['b']))).to.deep.equal(['b']);
      expect(names(selectHosts(loaded(), ['all']))).to.deep.equal(['a', 'b', 'c']);
      expect(names(selectHosts(loaded(), []))).to.deep.equal(['a', 'b', 'c']);
    });

    it('refuses an unknown name, listing what exists', () => {
      expect(() => selectHosts(loaded(), ['ab,x'])).to.throw(
        InventoryLimitError,
        '--limit: "x" is neither a host nor a group of fleet.yaml; it has groups all, ab, bc, none and hosts a, b, c',
      );
    });

    it('refuses a selection with no hosts', () => {
      expect(() => selectHosts(loaded(), ['none'])).to.throw(
        InventoryLimitError,
        '--limit none selects no hosts of fleet.yaml',
      );
    });

    it('shortens long name lists', () => {
      const many = parseInventory(
        `hosts:\n${Array.from({ length: 30 }, (_, i) => `  h${i}:\n`).join('')}`,
        'big.yaml',
        { baseDir: '/' },
      );
      expect(() => selectHosts(many, ['x'])).to.throw(/hosts h0, h1, .*h19, … \(30 in all\)$/);
    });
  });

  describe('targets', () => {
    const home = mkdtempSync(join(tmpdir(), 'driftspec-home-'));
    const sshSettings = (): SshSettings => loadSshSettings({ connectTimeout: 1, knownHosts: ['/dev/null'] }, {}, home);

    it('names each target as --target would, with the inventory entry beside it', () => {
      const loaded = inventory(
        'hosts:\n  web:\n    host: 10.0.0.1\n    tags: [t]\n  here:\n    url: local\ngroups:\n  g: [web]\n',
      );
      const targets = inventoryTargets(loaded.hosts, sshSettings, {});
      expect(targets.map((t) => t.target.name)).to.deep.equal(['ssh://me@10.0.0.1:22', 'local']);
      expect(targets[0]!.entry).to.deep.equal({ name: 'web', groups: ['g'], tags: ['t'], vars: {} });
    });

    it("reaches a host through its own proxyCommand, else the defaults', naming where it is written", () => {
      const loaded = inventory(
        'defaults:\n  proxyCommand: aws ssm start-session --target %h\n' +
          'hosts:\n  i-1:\n  i-2:\n    proxyCommand: nc %h %p\n',
      );
      expect(loaded.hosts.map((host) => host.proxyCommand)).to.deep.equal([
        { command: 'aws ssm start-session --target %h', source: 'fleet.yaml:2:3' },
        { command: 'nc %h %p', source: 'fleet.yaml:6:5' },
      ]);
      const settings = inventoryTargets(loaded.hosts, sshSettings, {}).map(
        (entry) => (entry.target as unknown as { options: { proxyCommand?: unknown } }).options.proxyCommand,
      );
      expect(settings).to.deep.equal([
        { command: 'aws ssm start-session --target i-1', source: 'fleet.yaml:2:3' },
        { command: 'nc i-2 22', source: 'fleet.yaml:6:5' },
      ]);
    });

    it('gives hosts with the same key file or pins one set of credentials and one set of host keys', () => {
      const dir = mkdtempSync(join(tmpdir(), 'driftspec-inventory-'));
      writeFileSync(join(dir, 'key'), usableKeyPair().private, { mode: 0o600 });
      const loaded = parseInventory(
        `defaults:\n  identity: key\n  hostKey: ${FINGERPRINT}\n` +
          `hosts:\n  a:\n  b:\n  c:\n    hostKey: ${FINGERPRINT}\n`,
        'fleet.yaml',
        { baseDir: dir, defaultUser: () => 'me' },
      );
      const settings = sshSettings();
      const options = inventoryTargets(loaded.hosts, () => settings, {}).map(
        (entry) => (entry.target as unknown as { options: SshTargetOptions }).options,
      );
      const [a, b, c] = options;
      expect(a!.credentials).to.equal(b!.credentials).and.equal(c!.credentials);
      expect(a!.credentials.identities.map((identity) => identity.path)).to.deep.equal([join(dir, 'key')]);
      expect(a!.hostKeys).to.equal(b!.hostKeys);
      expect(a!.hostKeys.pins).to.deep.equal([FINGERPRINT]);
      // c names the same fingerprint in a place of its own: an equal list, not the same one.
      expect(c!.hostKeys).to.deep.equal(a!.hostKeys);
    });

    it('stops with the inventory line when a host key file cannot be used', () => {
      const dir = mkdtempSync(join(tmpdir(), 'driftspec-inventory-'));
      writeFileSync(join(dir, 'not-a-key'), 'hello\n');
      const loaded = parseInventory('hosts:\n  a:\n    identity: not-a-key\n', 'fleet.yaml', {
        baseDir: dir,
        defaultUser: () => 'me',
      });
      expect(() => inventoryTargets(loaded.hosts, sshSettings, {})).to.throw(
        SpecError,
        `fleet.yaml:3:5: identity ${join(dir, 'not-a-key')}: not a private key`,
      );
      const missing = parseInventory('defaults:\n  identity: gone\nhosts:\n  a:\n', 'fleet.yaml', {
        baseDir: dir,
        defaultUser: () => 'me',
      });
      expect(() => inventoryTargets(missing.hosts, sshSettings, {})).to.throw(SpecError, 'fleet.yaml:2:3: identity');
      // A host that is not made a target (another shard's) still has its key files checked.
      expect(() => inventoryTargets(loaded.hosts, sshSettings, {}, undefined, () => false)).to.throw(SpecError);
    });

    it('makes targets of the hosts a shard keeps only, asked for every selected host in order', () => {
      const dir = mkdtempSync(join(tmpdir(), 'driftspec-inventory-'));
      const file = join(dir, 'fleet.yaml');
      const hosts = ['a', 'b', 'c', 'd'].map((name, i) => `  ${name}: { host: 10.0.0.${i + 1}, vars: { n: ${i} } }`);
      writeFileSync(file, `defaults:\n  user: me\nhosts:\n${hosts.join('\n')}\ngroups:\n  g: [b, c, d]\n`);
      const context = { cwd: dir, env: {}, sshSettings, sudo: undefined, named: 'a --target' };
      const asked: string[] = [];
      const keepInventoryHost = (name: string) => asked.push(name) > 0 && name !== 'b';
      const selected = selectTargets([], { inventory: file, limit: ['g'] }, { ...context, keepInventoryHost });
      expect(asked).to.deep.equal(['b', 'c', 'd']);
      expect(selected.targets.map((target) => target.name)).to.deep.equal([
        'ssh://me@10.0.0.3:22',
        'ssh://me@10.0.0.4:22',
      ]);
      expect([...selected.inventory.values()].map((entry) => entry.name)).to.deep.equal(['c', 'd']);
      // The plan's inputs come from the selection's first host in every shard, this one's or not.
      expect(selected.firstInventoryHost).to.deep.equal({ target: 'ssh://me@10.0.0.2:22', vars: { n: 1 } });
      expect(selectTargets([], { inventory: file }, context).firstInventoryHost?.vars).to.deep.equal({ n: 0 });
      expect(() => selectTargets([{ kind: 'local' }], { inventory: file }, { ...context, keepInventoryHost })).to.throw(
        'no host named directly',
      );
    });
  });

  it('accepts every documented host form in the schema', () => {
    const parsed = inventoryFileSchema().safeParse({
      hosts: { a: null, b: { url: 'local' }, c: { identity: ['x', 'y'], hostKey: FINGERPRINT } },
      groups: { g: ['a'], h: { hosts: ['b'], groups: ['g'] } },
    });
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).to.equal(true);
  });
});
