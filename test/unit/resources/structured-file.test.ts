import { expect } from 'chai';
import { resourceFunction } from '../../../src/dsl/spec.js';
import { createRegistry } from '../../../src/resources/index.js';
import {
  firstJsonErrorOffset,
  iniFileResource,
  jsonFileResource,
  keySegments,
  keyValueFileResource,
  parseIniDocument,
  parseJsonDocument,
  parseKeyValueDocument,
  parseYamlDocument,
  yamlFileResource,
} from '../../../src/resources/structured-file/index.js';
import type { Frame } from '../../../src/probe/frames.js';
import { frame, recordedFrame } from '../../support/frames.js';
import { judgeFrame, parseError, resultLines } from '../../support/judge.js';

const registry = createRegistry([jsonFileResource, yamlFileResource, iniFileResource, keyValueFileResource]);
const jsonFile = resourceFunction(jsonFileResource);
const yamlFile = resourceFunction(yamlFileResource);
const iniFile = resourceFunction(iniFileResource);
const keyValueFile = resourceFunction(keyValueFileResource);

const recorded = (name: string) => recordedFrame(`recorded/configfiles/${name}.json`);
const text = (name: string) => recorded(name).stdout.toString('utf8');
const judge = (body: () => void, fact: Frame) => resultLines(judgeFrame(registry, body, fact));

const SSHD = { duplicates: 'first', ignoreCase: true, endAt: 'Match' } as const;

describe('structured files', () => {
  describe('key paths', () => {
    it('splits at dots, keeps escaped dots and backslashes, and takes a list as written', () => {
      expect(keySegments('db.port', false)).to.deep.equal(['db', 'port']);
      expect(keySegments('a\\.b.c\\\\d', false)).to.deep.equal(['a.b', 'c\\d']);
      expect(keySegments(['Session', 'session.save_path'], false)).to.deep.equal(['Session', 'session.save_path']);
      expect(keySegments('net.ipv4.ip_forward', true)).to.deep.equal(['net.ipv4.ip_forward']);
    });
  });

  describe('login.defs (recorded, Debian 12)', () => {
    const defs = recorded('login-defs');

    it('reads values split at blanks, comments skipped, numbers compared as numbers', () => {
      const lines = judge(() => {
        keyValueFile('/etc/login.defs').value('PASS_MAX_DAYS', 99999);
        keyValueFile('/etc/login.defs').value('PASS_MAX_DAYS', { le: 60 });
        keyValueFile('/etc/login.defs').value('UMASK', '022');
        keyValueFile('/etc/login.defs').value('ENCRYPT_METHOD', 'SHA512');
        keyValueFile('/etc/login.defs').hasKey('MAIL_DIR');
      }, defs);
      expect(lines).to.deep.equal([
        'passed: key-value file /etc/login.defs should have PASS_MAX_DAYS equal to 99999',
        'failed: expected key-value file /etc/login.defs to have PASS_MAX_DAYS at most 60, but ' +
          'PASS_MAX_DAYS is "99999"',
        'passed: key-value file /etc/login.defs should have UMASK equal to "022"',
        'passed: key-value file /etc/login.defs should have ENCRYPT_METHOD equal to "SHA512"',
        'passed: key-value file /etc/login.defs should have key MAIL_DIR',
      ]);
    });

    it('never passes on a key the file does not set: an error with a value, negated or not', () => {
      const lines = judge(() => {
        keyValueFile('/etc/login.defs').value('PASS_CHANGE_TRIES', 5);
        keyValueFile('/etc/login.defs').not.value('PASS_CHANGE_TRIES', 5);
        keyValueFile('/etc/login.defs').not.hasKey('PASS_CHANGE_TRIES');
        keyValueFile('/etc/login.defs').hasKey('PASS_CHANGE_TRIES');
      }, defs);
      expect(lines).to.deep.equal([
        'error: could not check key-value file /etc/login.defs: it has no key ' +
          'PASS_CHANGE_TRIES, so PASS_CHANGE_TRIES cannot be compared',
        'error: could not check key-value file /etc/login.defs: it has no key ' +
          'PASS_CHANGE_TRIES, so PASS_CHANGE_TRIES cannot be compared',
        'passed: key-value file /etc/login.defs should not have key PASS_CHANGE_TRIES',
        'failed: expected key-value file /etc/login.defs to have key PASS_CHANGE_TRIES, but it ' +
          'has no key PASS_CHANGE_TRIES',
      ]);
      expect(parseKeyValueDocument(text('login-defs'), '/etc/login.defs', {})).not.to.have.property('#');
    });

    it('takes the last of a key given twice by default, the first where asked', () => {
      const doubled = `${text('login-defs')}\nUMASK\t077\n`;
      expect(parseKeyValueDocument(doubled, 'f', {}).UMASK).to.equal('077');
      expect(parseKeyValueDocument(doubled, 'f', { duplicates: 'first' }).UMASK).to.equal('022');
    });
  });

  describe('sshd_config (recorded, Debian 12)', () => {
    const config = text('sshd-config');

    it('reads keywords without regard to case, the first value winning, and stops at Match', () => {
      const match = 'Match User backup\n  PasswordAuthentication yes\n';
      const edited = `PermitRootLogin no\n${config}\npermitrootlogin yes\n${match}`;
      const document = parseKeyValueDocument(edited, '/etc/ssh/sshd_config', SSHD);
      expect(document.permitrootlogin).to.equal('no');
      expect(document.kbdinteractiveauthentication).to.equal('no');
      expect(document.usepam).to.equal('yes');
      expect(document).not.to.have.property('passwordauthentication');
      expect(document.subsystem).to.equal('sftp\t/usr/lib/openssh/sftp-server');
      const lines = judge(
        () => keyValueFile('/etc/ssh/sshd_config', SSHD).value('PermitRootLogin', 'no'),
        frame(edited),
      );
      expect(lines).to.deep.equal([
        'passed: key-value file /etc/ssh/sshd_config should have PermitRootLogin equal to "no"',
      ]);
    });

    it('a stock file leaves PermitRootLogin commented out: an error, not a pass of `not`', () => {
      const lines = judge(
        () => keyValueFile('/etc/ssh/sshd_config', SSHD).not.value('PermitRootLogin', 'yes'),
        recorded('sshd-config'),
      );
      expect(lines[0]).to.match(/^error: .*it has no key permitrootlogin/);
    });
  });

  it('os-release with "=" as the separator keeps quotes as written', () => {
    const release = parseKeyValueDocument(text('os-release'), '/etc/os-release', { separator: '=' });
    expect(release.ID).to.equal('debian');
    expect(release.VERSION_ID).to.equal('"12"');
  });

  describe('JSON (recorded)', () => {
    it('reads nested keys, list indexes and lists of values', () => {
      const lines = judge(() => {
        jsonFile('/usr/share/glvnd/egl_vendor.d/50_mesa.json').value('ICD.library_path', 'libEGL_mesa.so.0');
        jsonFile('/usr/share/glvnd/egl_vendor.d/50_mesa.json').value('ICD', 'x');
      }, recorded('mesa-egl-json'));
      expect(lines).to.deep.equal([
        'passed: JSON file /usr/share/glvnd/egl_vendor.d/50_mesa.json should have ' +
          'ICD.library_path equal to "libEGL_mesa.so.0"',
        'error: could not check JSON file /usr/share/glvnd/egl_vendor.d/50_mesa.json: ICD is a ' +
          'map, not a value: name a key inside it',
      ]);
      const iso = parseJsonDocument(text('iso-3166-json'), 'iso') as { '3166-1': Array<Record<string, string>> };
      expect(iso['3166-1'][0]).to.have.property('alpha_2');
      const lists = judge(() => {
        jsonFile('/x.json').value('3166-1.0.alpha_2', { matches: '^[A-Z]{2}$' });
        jsonFile('/x.json').value('3166-1.999999.alpha_2', 'XX');
      }, recorded('iso-3166-json'));
      expect(lists[0]).to.match(/^passed: /);
      expect(lists[1]).to.match(/^error: .*it has no key 3166-1\.999999/);
    });

    it('names file, line and column of a syntax error, with or without a position from V8', () => {
      const broken = text('mesa-egl-json').replace('"1.0.0",', '"1.0.0"');
      expect(parseError(() => parseJsonDocument(broken, '/m.json'))).to.match(/^\/m\.json:3:5: not valid JSON \(/);
      expect(parseError(() => parseJsonDocument('{\n  "a": }', '/a.json'))).to.equal(
        "/a.json:2:8: not valid JSON (Unexpected token '}')",
      );
      expect(firstJsonErrorOffset('[1, 2')).to.equal(5);
      expect(firstJsonErrorOffset('{"a": "\\q"}')).to.equal(8);
      expect(parseError(() => parseJsonDocument('', '/e.json'))).to.match(/^\/e\.json:1:1: /);
    });

    it('a missing file or one that is not read is an error, negated or not', () => {
      const missing = frame('', 1, 'head: cannot open /x.json for reading: No such file or directory\n');
      const lines = judge(() => {
        jsonFile('/x.json').hasKey('a');
        jsonFile('/x.json').not.hasKey('a');
      }, missing);
      expect(lines).to.deep.equal([
        'error: could not check JSON file /x.json: /x.json: it does not exist, so it has no JSON keys',
        'error: could not check JSON file /x.json: /x.json: it does not exist, so it has no JSON keys',
      ]);
    });
  });

  it('hostile content: deep nesting is an error or data, "__proto__" a key like any other', () => {
    expect(parseError(() => parseJsonDocument('['.repeat(500_000), '/d.json'))).to.equal(
      '/d.json: not valid JSON (Unexpected end of JSON input)',
    );
    expect(parseError(() => parseYamlDocument(`a: ${'['.repeat(1000)}`, '/y.yaml'))).to.match(
      /^\/y\.yaml:1:\d+: collections nested more than 64 levels deep/,
    );
    const lines = judge(() => {
      jsonFile('/p.json').value('__proto__.polluted', 1);
    }, frame('{"__proto__": {"polluted": 1}}'));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^passed: /);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(
      Object.getOwnPropertyDescriptor(parseKeyValueDocument('__proto__ x\n', 'f', {}), '__proto__')?.value,
    ).to.equal('x');
  });

  describe('YAML', () => {
    it('reads JSON as YAML, and a list of values with contains', () => {
      expect(parseYamlDocument(text('mesa-egl-json'), 'm')).to.deep.equal(
        parseJsonDocument(text('mesa-egl-json'), 'm'),
      );
      const lines = judge(() => {
        yamlFile('/app.yaml').value('spec.ports', { contains: [80, 443] });
        yamlFile('/app.yaml').not.value('spec.ports', 22);
      }, frame('spec:\n  ports: [80, 443]\n'));
      expect(lines.map((l) => l.slice(0, 7))).to.deep.equal(['passed:', 'passed:']);
    });

    it('refuses duplicate keys, several documents and syntax errors at their position', () => {
      expect(parseError(() => parseYamlDocument('a: 1\na: 2\n', '/d.yaml'))).to.match(/^\/d\.yaml:2:1: /);
      expect(parseError(() => parseYamlDocument('a: 1\n---\nb: 2\n', '/m.yaml'))).to.match(/^\/m\.yaml:\d+:\d+: /);
      expect(parseError(() => parseYamlDocument('a: [1, 2\nb: 3\n', '/s.yaml'))).to.match(/^\/s\.yaml:\d+:\d+: YAML/);
    });
  });

  describe('INI (recorded journald.conf)', () => {
    it('reads sections and keys; comments are not keys', () => {
      const journald = parseIniDocument(text('journald-conf'), '/etc/systemd/journald.conf');
      expect(Object.keys(journald)).to.deep.equal(['Journal']);
      expect(Object.keys(journald.Journal as object)).to.deep.equal([]);
      const edited = `${text('journald-conf')}Storage=volatile\nStorage = persistent\n[Journal]\nCompress: no\n`;
      const lines = judge(() => {
        iniFile('/etc/systemd/journald.conf').value('Journal.Storage', 'persistent');
        iniFile('/etc/systemd/journald.conf').value(['Journal', 'Compress'], 'no');
      }, frame(edited));
      expect(lines.map((l) => l.slice(0, 7))).to.deep.equal(['passed:', 'passed:']);
    });

    it('keys before a section, bare keys and dotted keys', () => {
      const ini = parseIniDocument('top = 1\n[mysqld]\nskip-name-resolve\n[Session]\nsession.save_path = /x\n', 'f');
      expect(ini).to.deep.equal({
        top: '1',
        mysqld: { 'skip-name-resolve': '' },
        Session: { 'session.save_path': '/x' },
      });
      expect(parseError(() => parseIniDocument('[broken\n', '/b.ini'))).to.match(/^\/b\.ini:1:1: a section header/);
    });
  });
});
