import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import type { Snapshot } from '../../src/drift/snapshot-schema.js';
import { isRoot } from '../support/environment.js';
import { runCli } from '../support/cli.js';
import { handMadeSnapshot, withChanges } from '../support/drift-snapshots.js';
import { hasXmllint, schemaErrors } from '../support/xmllint.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-drift-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));
const path = (name: string) => join(work, name);

function write(name: string, content: string | Snapshot): string {
  writeFileSync(path(name), typeof content === 'string' ? content : JSON.stringify(content));
  return path(name);
}

describe('driftspec drift (CLI, snapshot files)', function () {
  this.timeout(60_000);
  const base = handMadeSnapshot();
  let a: string;
  let upgraded: string;
  let drifted: string;
  before(() => {
    a = write('a.json', base);
    upgraded = write(
      'upgraded.json',
      withChanges(base, (s) => (s.packages.find((p) => p.name === 'openssl')!.version = '3.0.13-1~deb12u1')),
    );
    drifted = write(
      'drifted.json',
      withChanges(base, (s) => {
        s.users.push({ name: 'extra', uid: 1001, gid: 1001, home: '/home/extra', shell: '/bin/sh', gecos: '' });
        s.packages = s.packages.filter((p) => p.name !== 'cowsay');
        s.files.find((f) => f.path === '/etc/motd')!.mode = '0666';
      }),
    );
  });

  it('two identical snapshots: no drift, exit 0', async () => {
    const run = await cli('drift', a, a);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('Result: passed: no drift (exit 0)');
  });

  it('what changed in this image: exit 1 | 2 | 4 = 7, every change named', async () => {
    const run = await cli('drift', a, drifted);
    expect(run.code, run.stderr).to.equal(7);
    expect(run.stdout).to.include('+ user extra');
    expect(run.stdout).to.include('- package cowsay:all');
    expect(run.stdout).to.match(/~ file \/etc\/motd .*\n\s+mode {2}0644 → 0666/);
  });

  it('a package version change alone is allowed by the default rules: exit 0, and said so', async () => {
    const run = await cli('drift', a, upgraded);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('Result: passed; allowed by the policy: 1 changed (exit 0)');
  });

  it('--baseline with several snapshot files compares each with it', async () => {
    const run = await cli('drift', '--baseline', a, upgraded, drifted, '--format', 'json');
    expect(run.code, run.stderr).to.equal(7);
    const report = DriftReportSchema.parse(JSON.parse(run.stdout));
    expect(report.mode).to.equal('snapshots');
    expect(report.hosts.map((h) => [h.candidate?.file, h.state])).to.deep.equal([
      [upgraded, 'drift'],
      [drifted, 'drift'],
    ]);
  });

  it('writes every report format to files at once, and the verdict to none of them twice', async () => {
    const run = await cli(
      'drift',
      a,
      drifted,
      '-r',
      'cli',
      '-r',
      `json:${path('out/drift.json')}`,
      '-r',
      `junit:${path('out/drift.xml')}`,
      '-r',
      `html:${path('out/drift.html')}`,
      '-r',
      `markdown:${path('out/drift.md')}`,
    );
    expect(run.code, run.stderr).to.equal(7);
    expect(run.stdout).to.include('Result: blocked');
    expect(
      DriftReportSchema.parse(JSON.parse(readFileSync(path('out/drift.json'), 'utf8'))).verdict?.exitCode,
    ).to.equal(7);
    expect(readFileSync(path('out/drift.md'), 'utf8')).to.match(/^### ❌ driftspec drift: blocked \(exit 7\)/);
    expect(readFileSync(path('out/drift.html'), 'utf8')).to.match(/^<!doctype html>/);
    if (hasXmllint()) expect(schemaErrors(path('out/drift.xml'))).to.equal(null);
    else expect(existsSync(path('out/drift.xml'))).to.equal(true);
  });

  it('ignore, accept and policy files change what counts', async () => {
    const ignore = write('ignore.yaml', 'ignore:\n  - paths: /etc/motd\n    attributes: mode\n');
    const accept = write(
      'accept.yaml',
      'accepted:\n  - { kind: packages, key: cowsay:all, change: removed, reason: no fun allowed, owner: ops, ' +
        'expires: 2999-12-31 }\n',
    );
    const policy = write('policy.yaml', 'drift:\n  rules:\n    - { kind: users, keys: extra, action: allow }\n');
    const run = await cli('drift', a, drifted, '--ignore-file', ignore, '--accept-file', accept, '--policy', policy);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include('[accepted: no fun allowed (owner ops, until 2999-12-31)]');
    expect(run.stdout).to.include('[allowed: policy rule 1]');
    expect(run.stdout).to.include('1 added, 1 accepted, 1 ignored');
  });

  it('an expired accepted-drift entry stops applying and every report says so', async () => {
    const accept = write(
      'expired.yaml',
      'accepted:\n  - { kind: users, key: extra, change: added, reason: temporary, owner: ops, expires: 2020-01-31 }\n',
    );
    const run = await cli(
      'drift',
      a,
      drifted,
      '--accept-file',
      accept,
      '-r',
      'cli',
      '-r',
      `json:${path('expired.json')}`,
    );
    expect(run.code).to.equal(7);
    const owner = `owner ops; ${accept}:2:5`;
    const warning = `accepted drift expired on 2020-01-31 and no longer applies: users extra added (${owner})`;
    expect(run.stdout).to.include(`! ${warning}`);
    expect(JSON.parse(readFileSync(path('expired.json'), 'utf8')).warnings).to.deep.equal([warning]);
  });

  describe('input mistakes exit 78 (files) or 64 (usage) before anything is compared', () => {
    const cases: Array<[string, () => string[], number, RegExp]> = [
      ['one snapshot only', () => ['drift', a], 64, /give two snapshots to compare/],
      [
        '--baseline without targets',
        () => ['drift', '--baseline', a],
        64,
        /error: missing required argument|--baseline needs at least one target/,
      ],
      ['an unknown reporter', () => ['drift', a, a, '-r', 'pdf'], 64, /unknown reporter "pdf"/],
      [
        'two reporters on stdout',
        () => ['drift', a, a, '-r', 'cli', '-r', 'json'],
        64,
        /only one reporter can write to stdout/,
      ],
      ['a malformed ssh target', () => ['drift', '--baseline', a, 'ssh://'], 64, /ssh:\/\//],
      ['a missing snapshot', () => ['drift', a, path('nope.json')], 78, /nope\.json: snapshot file not found/],
      [
        'a file that is not a snapshot',
        () => ['drift', a, write('other.json', '{"schemaVersion":1}')],
        78,
        /other\.json: not a valid driftspec snapshot: tool: /,
      ],
      ['a file that is not JSON', () => ['drift', a, write('text.json', 'hello')], 78, /text\.json: not JSON/],
      [
        'a bad ignore file',
        () => ['drift', a, a, '--ignore-file', write('bad-ignore.yaml', 'ignore:\n  - kind: file\n')],
        78,
        /bad-ignore\.yaml:2:5: ignore\.0\.kind: expected one of/,
      ],
      [
        'a bad accept file',
        () => [
          'drift',
          a,
          a,
          '--accept-file',
          write(
            'bad-accept.yaml',
            'accepted:\n  - { kind: files, key: /x, change: added, reason: r, owner: o, expires: tomorrow }\n',
          ),
        ],
        78,
        /bad-accept\.yaml:2:65: accepted\.0\.expires: expected a date as YYYY-MM-DD/,
      ],
      [
        'a bad drift policy',
        () => ['drift', a, a, '--policy', write('bad-policy.yaml', 'drift:\n  otherwise: maybe\n')],
        78,
        /bad-policy\.yaml:2:3: drift\.otherwise: expected one of: block, allow/,
      ],
    ];
    for (const [what, args, code, message] of cases) {
      it(what, async () => {
        const run = await cli(...args());
        expect(run.code, run.stdout + run.stderr).to.equal(code);
        expect(run.stderr).to.match(message);
        expect(run.stdout).to.equal('');
      });
    }
  });

  it('an unreachable target is incomplete (exit 8), never "no drift"', async () => {
    const run = await cli(
      'drift',
      '--baseline',
      a,
      'ssh://root@127.0.0.1:1',
      '--known-hosts',
      '/dev/null',
      '--connect-timeout',
      '5',
    );
    expect(run.code, run.stdout + run.stderr).to.equal(8);
    expect(run.stdout).to.match(/ssh:\/\/root@127\.0\.0\.1:1 incomplete: unreachable: .*refused/);
    expect(run.stdout).to.include('Result: blocked: 1 host incomplete (exit 8)');
  });

  it("driftspec schema drift prints the report's JSON Schema", async () => {
    const run = await cli('schema', 'drift');
    expect(run.code).to.equal(0);
    expect(JSON.parse(run.stdout)).to.include({ $id: 'urn:driftspec:schema:drift:1', title: 'driftspec drift report' });
  });

  it('the local machine against its own snapshot: no drift', async function () {
    this.timeout(120_000);
    // Trees of their own: the default ones (AIDE's, all of /usr) take minutes on a developer's machine.
    const trees = ['--files', '/etc', '--files', '/usr/bin', '--files', '/usr/sbin'];
    const snapshot = await cli('snapshot', 'local', ...trees, '-o', path('local.json'), '--allow-incomplete');
    expect(snapshot.code, snapshot.stderr).to.equal(0);
    const run = await cli('drift', '--baseline', path('local.json'), 'local');
    // Without root some files cannot be read: then the run is incomplete, never "no drift".
    expect(run.code, run.stdout + run.stderr).to.equal(isRoot() ? 0 : 8);
  });
});
