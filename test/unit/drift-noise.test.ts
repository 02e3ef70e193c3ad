import { expect } from 'chai';
import { describeExpired, isExpired, parseAcceptFile, type AcceptedDrift } from '../../src/drift/accept.js';
import { diffSnapshots } from '../../src/drift/diff.js';
import type { HostDrift, KindDrift } from '../../src/drift/diff-schema.js';
import { parseIgnoreFile, type IgnoreRules } from '../../src/drift/ignore.js';
import { SNAPSHOT_KINDS, type Snapshot, type SnapshotKind } from '../../src/drift/snapshot-schema.js';
import { handMadeSnapshot, SHA, withChanges } from '../support/drift-snapshots.js';

const NOW = new Date('2025-06-02T12:00:00Z');
const kind = (host: HostDrift, name: SnapshotKind): KindDrift => host.kinds.find((k) => k.kind === name)!;

function errorOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect((error as Error).name).to.equal('SpecError');
    return (error as Error).message;
  }
  throw new Error('expected a SpecError');
}

describe('drift noise control', () => {
  const base = handMadeSnapshot();
  /** Log-like growth, a new user's gecos, a kernel parameter, a mount option, a new package. */
  const candidate = withChanges(base, (s) => {
    const journal = s.files.find((f) => f.path === '/var/lib/app/journal')!;
    Object.assign(journal, { size: 150, sha256: SHA('1') });
    s.files.find((f) => f.path === '/etc/motd')!.sha256 = SHA('2');
    s.users.find((u) => u.name === 'www-data')!.gecos = 'web';
    s.kernelParameters['kernel.randomize_va_space'] = '0';
    s.mounts.find((m) => m.point === '/tmp')!.options = ['rw'];
    s.packages.push({
      name: 'curl',
      version: '7.88.1-10+deb12u5',
      architecture: 'amd64',
      manager: 'dpkg',
      state: 'installed',
    });
    s.packages.find((p) => p.name === 'openssl')!.version = '3.0.13-1~deb12u1';
  });
  const diff = (options: { ignore?: IgnoreRules; accept?: AcceptedDrift; now?: Date } = {}, b: Snapshot = candidate) =>
    diffSnapshots(base, b, { now: NOW, ...options });

  describe('ignore file', () => {
    it('drops a whole kind, paths, attributes and keys, and counts what it dropped', () => {
      const ignore = parseIgnoreFile(
        `ignore:
  - kind: mounts
  - paths: /var/lib/app
    attributes: [size, sha256]
  - attributes: gecos
  - kind: kernelParameters
    keys: ['kernel.random.*']
`,
        'ignore.yaml',
      );
      const host = diff({ ignore });
      expect(kind(host, 'mounts').changed).to.deep.equal([]);
      expect(kind(host, 'users').changed).to.deep.equal([]);
      expect(kind(host, 'kernelParameters').changed.map((c) => c.key)).to.deep.equal(['kernel.randomize_va_space']);
      expect(kind(host, 'files').changed.map((c) => c.key)).to.deep.equal(['/etc/motd']);
      expect(host.counts.ignored).to.equal(4);
      // Ignored is not "not compared": the user chose it, nothing is missing.
      expect(host.state).to.equal('drift');
      expect(kind(host, 'mounts').compared).to.equal('all');
    });

    it('a path glob of a directory takes everything below it along; "*" crosses "/"', () => {
      const ignore = parseIgnoreFile(`ignore:\n  - paths: ['/var/*/journal', /etc]\n`, 'ignore.yaml');
      expect(kind(diff({ ignore }), 'files').changed).to.deep.equal([]);
    });

    it('tolerates growing files, and reports one that shrank', () => {
      const ignore = parseIgnoreFile(`ignore:\n  - paths: /var/lib/app/journal\n    growing: true\n`, 'ignore.yaml');
      expect(kind(diff({ ignore }), 'files').changed.map((c) => c.key)).to.deep.equal(['/etc/motd']);
      const shrank = withChanges(base, (s) =>
        Object.assign(s.files.find((f) => f.path === '/var/lib/app/journal')!, { size: 10, sha256: SHA('3') }),
      );
      const changes = kind(diff({ ignore }, shrank), 'files').changed[0]!.changes;
      expect(changes.map((c) => c.attribute)).to.deep.equal(['size', 'sha256']);
      const modeToo = withChanges(base, (s) =>
        Object.assign(s.files.find((f) => f.path === '/var/lib/app/journal')!, {
          size: 200,
          sha256: SHA('3'),
          mode: '0666',
        }),
      );
      expect(kind(diff({ ignore }, modeToo), 'files').changed[0]!.changes.map((c) => c.attribute)).to.deep.equal([
        'mode',
      ]);
    });

    const mistakes: Array<[string, string, RegExp]> = [
      ['a YAML syntax error', 'ignore: [\n', /^ignore\.yaml:\d+:\d+: YAML syntax error/],
      ['not a map', '- kind: files\n', /^ignore\.yaml:1:1: an ignore file must be a map with `ignore:`/],
      [
        'an unknown key',
        'ignore:\n  - kind: files\n    path: /etc\n',
        new RegExp(
          /^ignore\.yaml:3:5: ignore\.0: unknown key "path"; expected one of: kind, paths, keys, attributes,/.source +
            / growing, reason$/.source,
        ),
      ],
      [
        'an unknown kind',
        'ignore:\n  - kind: file\n',
        new RegExp(
          /^ignore\.yaml:2:5: ignore\.0\.kind: expected one of: packages, services, listeners, users, groups,/.source +
            ` ${SNAPSHOT_KINDS.slice(5).join(', ')}$`,
        ),
      ],
      [
        'an attribute the kind lacks',
        'ignore:\n  - kind: users\n    attributes: [mode]\n',
        new RegExp(
          /^ignore\.yaml:3:18: ignore\.0\.attributes\.0: users have no attribute "mode"; expected one of: uid,/.source +
            / gid, home, shell, gecos$/.source,
        ),
      ],
      [
        'an attribute no kind has',
        'ignore:\n  - attributes: [mtime]\n',
        /^ignore\.yaml:2:18: ignore\.0\.attributes\.0: no kind has an attribute "mtime"/,
      ],
      [
        'paths with another kind',
        'ignore:\n  - kind: packages\n    paths: [/etc]\n',
        /^ignore\.yaml:3:5: ignore\.0\.paths: `paths` are file paths/,
      ],
      [
        'a relative path glob',
        'ignore:\n  - paths: [etc/motd]\n',
        /^ignore\.yaml:2:13: ignore\.0\.paths\.0: an ignore glob matches whole absolute paths/,
      ],
      [
        'an empty rule',
        'ignore:\n  - reason: everything\n',
        /^ignore\.yaml:2:5: ignore\.0: a rule needs at least one of kind, paths, keys or attributes/,
      ],
      [
        'growing outside files',
        'ignore:\n  - kind: users\n    growing: true\n',
        /^ignore\.yaml:3:5: ignore\.0\.growing: `growing` is about files/,
      ],
    ];
    for (const [what, text, expected] of mistakes) {
      it(`refuses ${what} with file:line:column`, () => {
        expect(errorOf(() => parseIgnoreFile(text, 'ignore.yaml'))).to.match(expected);
      });
    }
  });

  describe('accepted-drift file', () => {
    const accept = (entries: string) => parseAcceptFile(`accepted:\n${entries}`, 'accept.yaml');
    const entry = (fields: string) =>
      `  - reason: rolled out by hand, image follows\n    owner: platform-team\n${fields
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n')}\n`;

    it('lists accepted items as accepted, does not count them, and says who and why', () => {
      const host = diff({ accept: accept(entry('kind: packages\nkey: curl:*\nchange: added\nexpires: 2025-06-30')) });
      const curl = kind(host, 'packages').added[0]!;
      expect(curl.key).to.equal('curl:amd64');
      expect(curl.accepted).to.deep.equal({
        reason: 'rolled out by hand, image follows',
        owner: 'platform-team',
        expires: '2025-06-30',
        source: 'accept.yaml:2:5',
      });
      expect(host.counts.added).to.equal(0);
      expect(host.counts.accepted).to.equal(1);
    });

    it('a host whose only drift is accepted has no drift', () => {
      const onlyCurl = withChanges(base, (s) =>
        s.packages.push({ name: 'curl', version: '1', architecture: 'amd64', manager: 'dpkg', state: 'installed' }),
      );
      const host = diff(
        { accept: accept(entry('kind: packages\nkey: curl:amd64\nchange: added\nexpires: 2025-06-30')) },
        onlyCurl,
      );
      expect(host.state).to.equal('no-drift');
      expect(kind(host, 'packages').added).to.have.length(1);
    });

    it('accepts one attribute of a change; the change is accepted when all its attributes are', () => {
      const both = withChanges(base, (s) =>
        Object.assign(s.files.find((f) => f.path === '/etc/motd')!, { size: 1, sha256: SHA('4') }),
      );
      const one = accept(entry('kind: files\nkey: /etc/motd\nchange: changed\nattribute: sha256\nexpires: 2025-06-30'));
      const partly = kind(diff({ accept: one }, both), 'files').changed[0]!;
      expect(partly.accepted).to.equal(undefined);
      expect(partly.changes.map((c) => [c.attribute, c.accepted?.owner])).to.deep.equal([
        ['size', undefined],
        ['sha256', 'platform-team'],
      ]);
      const two = accept(
        entry('kind: files\nkey: /etc/motd\nchange: changed\nattribute: sha256\nexpires: 2025-06-30') +
          entry('kind: files\nkey: /etc/*\nchange: changed\nattribute: size\nexpires: 2025-06-30'),
      );
      const host = diff({ accept: two }, both);
      expect(kind(host, 'files').changed[0]!.changes.map((c) => c.accepted?.source)).to.deep.equal([
        'accept.yaml:9:5',
        'accept.yaml:2:5',
      ]);
      expect(kind(host, 'files').changed[0]!.accepted).to.not.equal(undefined);
      expect(host.state).to.equal('no-drift');
    });

    it('applies through its expiry day (UTC), and stops the day after, saying so', () => {
      const drift = accept(entry('kind: packages\nkey: curl:amd64\nchange: added\nexpires: 2025-06-02'));
      const lastDay = diff({ accept: drift, now: new Date('2025-06-02T23:59:59Z') });
      expect(kind(lastDay, 'packages').added[0]!.accepted).to.not.equal(undefined);
      const dayAfter = diff({ accept: drift, now: new Date('2025-06-03T00:00:00Z') });
      const curl = kind(dayAfter, 'packages').added[0]!;
      expect(curl.accepted).to.equal(undefined);
      expect(curl.expiredAcceptance?.expires).to.equal('2025-06-02');
      expect(dayAfter.counts.added).to.equal(1);
      expect(isExpired(drift.entries[0]!, new Date('2025-06-03T00:00:00Z'))).to.equal(true);
      expect(describeExpired(drift.entries[0]!)).to.equal(
        'accepted drift expired on 2025-06-02 and no longer applies: packages curl:amd64 added (owner ' +
          'platform-team; accept.yaml:2:5)',
      );
    });

    it('an entry in force wins over an expired one for the same item', () => {
      const drift = accept(
        entry('kind: packages\nkey: curl:amd64\nchange: added\nexpires: 2025-01-01') +
          entry('kind: packages\nkey: curl:amd64\nchange: added\nexpires: 2025-12-31'),
      );
      expect(kind(diff({ accept: drift }), 'packages').added[0]!.accepted?.expires).to.equal('2025-12-31');
    });

    it('matches kind and change exactly: an accepted "added" does not accept a removal', () => {
      const drift = accept(entry('kind: packages\nkey: cowsay:all\nchange: added\nexpires: 2025-12-31'));
      const removed = withChanges(base, (s) => (s.packages = s.packages.filter((p) => p.name !== 'cowsay')));
      expect(kind(diff({ accept: drift }, removed), 'packages').removed[0]!.accepted).to.equal(undefined);
    });

    const mistakes: Array<[string, string, RegExp]> = [
      [
        'a date that is not in the calendar',
        entry('kind: files\nkey: /etc/motd\nchange: changed\nexpires: 2025-02-30'),
        /^accept\.yaml:7:5: accepted\.0\.expires: not a date in the calendar$/,
      ],
      [
        'a date in another format',
        entry('kind: files\nkey: /etc/motd\nchange: changed\nexpires: 30.06.2025'),
        /accepted\.0\.expires: expected a date as YYYY-MM-DD/,
      ],
      [
        'an attribute on an added item',
        entry('kind: files\nkey: /etc/motd\nchange: added\nattribute: mode\nexpires: 2025-06-30'),
        /^accept\.yaml:7:5: accepted\.0\.attribute: `attribute` goes with change: changed/,
      ],
      [
        'an attribute the kind lacks',
        entry('kind: packages\nkey: curl\nchange: changed\nattribute: mode\nexpires: 2025-06-30'),
        /packages have no attribute "mode"; expected one of: version, state/,
      ],
      [
        'a missing owner',
        '  - kind: files\n    key: /etc/motd\n    change: added\n    reason: x\n    expires: 2025-06-30\n',
        /^accept\.yaml:2:5: accepted\.0\.owner: /,
      ],
      [
        'an empty reason',
        '  - kind: files\n    key: /etc/motd\n    change: added\n    reason: "  "\n    owner: me\n    expires: ' +
          '2025-06-30\n',
        /accepted\.0\.reason: say why the drift is accepted/,
      ],
      [
        'an unknown change',
        entry('kind: files\nkey: /etc/motd\nchange: modified\nexpires: 2025-06-30'),
        /accepted\.0\.change: expected one of: added, removed, changed/,
      ],
    ];
    for (const [what, text, expected] of mistakes) {
      it(`refuses ${what} with file:line:column`, () => {
        expect(errorOf(() => accept(text))).to.match(expected);
      });
    }
  });
});
