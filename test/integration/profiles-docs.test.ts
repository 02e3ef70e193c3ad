import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { RunResult } from '../../src/results/schema.js';
import { cliArgv, cliEnvironment, type CliRun } from '../support/cli.js';
import { sh } from '../support/package-consumer.js';

// Every example of docs/profiles.md (and the onlyIf example of docs/controls.md), run through the
// built CLI against this machine, in a folder holding the files its ```yaml blocks name in their
// first line; then the base profile packed with `npm pack`, unpacked into another folder's
// node_modules as an install would, and run by its package name and as a dependency.

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const PAGE = readFileSync(join(DOCS, 'profiles.md'), 'utf8');
const FIXTURES = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url));

function fencedBlocks(page: string, language: string): string[] {
  const fence = '```';
  return [...page.matchAll(new RegExp(`^${fence}${language}\\n([\\s\\S]*?)^${fence}`, 'gm'))].map((m) => m[1]!);
}

/** The indented command lines of the page, without `driftspec`. */
const COMMANDS = [...PAGE.matchAll(/^ {4}driftspec (.*)$/gm)].map((match) => match[1]!);

describe('docs/profiles.md', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-profiles-docs-'));
  const cache = join(work, '.cache');
  after(() => rmSync(work, { recursive: true, force: true }));

  before(() => {
    const controlsPage = readFileSync(join(DOCS, 'controls.md'), 'utf8');
    const conditions = fencedBlocks(controlsPage, 'yaml').filter((block) => block.startsWith('# conditions.yaml\n'));
    for (const block of [...fencedBlocks(PAGE, 'yaml'), ...conditions]) {
      const name = /^# ([\w./-]+)\n/.exec(block)?.[1];
      expect(name, `a yaml block names its file in its first line:\n${block}`).to.be.a('string');
      mkdirSync(dirname(join(work, name!)), { recursive: true });
      writeFileSync(join(work, name!), block);
    }
  });

  function run(args: readonly string[], cwd = work): CliRun {
    const [command, ...argv] = cliArgv(args);
    const result = spawnSync(command!, argv, { cwd, encoding: 'utf8', env: cliEnvironment(cache) });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function documented(prefix: string): string[] {
    const line = COMMANDS.find((command) => command.startsWith(prefix));
    expect(line, `a command line starting "driftspec ${prefix}"`).to.be.a('string');
    return line!.split(/\s+/);
  }

  function json(args: readonly string[], cwd = work): RunResult {
    const result = run([...args, '-f', 'json'], cwd);
    expect(result.stdout, result.stderr).to.not.equal('');
    return JSON.parse(result.stdout) as RunResult;
  }

  const statuses = (result: RunResult) => result.hosts[0]!.controls!.map((c) => `${c.id} ${c.status}`);

  it('runs a profile folder with an input', () => {
    const result = json(documented('run base'));
    expect(statuses(result)).to.deep.equal(['base-01 passed', 'base-02 passed', 'base-03 passed']);
    expect(result.profiles!.map((p) => `${p.name} ${p.version} ${p.title}`)).to.deep.equal([
      'base-hardening 1.2.0 Base hardening',
    ]);
    expect(result.profiles![0]!.hash).to.match(/^sha256:[0-9a-f]{64}$/);
  });

  it('runs a profile with its dependency: skipped, overridden, inputs set, the container judged', () => {
    const result = json(documented('run site'));
    const host = result.hosts[0]!;
    const inContainer = host.host!.container !== 'none';
    expect(host.host!.container).to.be.a('string');
    expect(statuses(result)).to.deep.equal([
      `site-01 ${inContainer ? 'not-applicable' : 'passed'}`,
      'base-01 passed',
      'base-02 passed',
    ]);
    if (inContainer)
      expect(host.results[0]!.message).to.equal(
        'not applicable: the control applies only outside a container ' +
          `(this host: in a ${host.host!.container} container)`,
      );
    expect(result.controls.find((c) => c.id === 'base-02')).to.include({
      impact: 0.9,
      title: 'The group database must be present',
    });
    expect(host.results.find((r) => r.control === 'base-01')!.subject).to.equal('/etc/passwd');
    expect(result.profiles!.map((p) => `${p.name} ${p.requiredBy ?? '-'}`)).to.deep.equal([
      'site-baseline -',
      'base-hardening site-baseline',
    ]);
  });

  it('names the profiles in the cli header, the JUnit properties and the markdown heading', () => {
    const base = json(['run', 'base']).profiles![0]!;
    const reports = run([
      'run',
      'site',
      '-r',
      'cli',
      '-r',
      `junit:${join(work, 'r.xml')}`,
      '-r',
      `markdown:${join(work, 'r.md')}`,
    ]);
    expect(reports.code, reports.stderr).to.equal(0);
    const short = `base-hardening 1.2.0 (${base.hash.slice(0, 19)}…)`;
    expect(reports.stdout.split('\n')[1]).to.match(/^profiles: site-baseline 0\.3\.0 \(sha256:[0-9a-f]{12}…\), /);
    expect(reports.stdout.split('\n')[1]).to.include(short);
    expect(readFileSync(join(work, 'r.xml'), 'utf8')).to.include(
      `<property name="profile.base-hardening" value="1.2.0 ${base.hash}"/>`,
    );
    expect(readFileSync(join(work, 'r.md'), 'utf8')).to.include(`Profiles: site-baseline 0.3.0`);
  });

  it('makes every control of a profile whose supports the host does not meet not-applicable', () => {
    const result = json(documented('run rhel'));
    const host = result.hosts[0]!;
    expect(statuses(result)).to.deep.equal(['rhel-01 not-applicable']);
    const os = host.host!.os;
    expect(host.results[0]!.message).to.equal(
      'not applicable: profile rhel-only supports only rhel >= 9 ' +
        `(this host: ${[os.id, os.versionId].filter(Boolean).join(' ')})`,
    );
    const shown = /`(not applicable: profile rhel-only supports only rhel >= 9 \(this host: [^`]*\))`/.exec(PAGE)![1]!;
    if (os.id === 'debian' && os.versionId === '12') expect(host.results[0]!.message).to.equal(shown);
  });

  it('onlyIf on a package and a file: not-applicable where they are not there (docs/controls.md)', () => {
    const result = json(['run', 'conditions.yaml']);
    expect(statuses(result)).to.deep.equal(['nginx-01 not-applicable', 'passwd-01 passed']);
    expect(result.hosts[0]!.results.map((r) => r.checkId)).to.deep.equal(['nginx-01#1', 'passwd-01#1']);
    expect(result.hosts[0]!.results[0]!.message).to.equal(
      'not applicable: the control applies only where package driftspec-docs-no-such-package is installed',
    );
    expect(result.hosts[0]!.execCount).to.equal(1);
  });

  it('profile check: one line and exit 0, or every problem and exit 78', () => {
    const good = run(documented('profile check site'));
    expect(good.code, good.stderr).to.equal(0);
    const shown = PAGE.split('\n')
      .find((line) => line.startsWith('    profile site-baseline'))!
      .trim();
    expect(good.stdout.trim()).to.equal(shown);
    const bad = run(['profile', 'check', 'broken'], FIXTURES);
    expect(bad.code).to.equal(78);
    expect(bad.stderr.split('\n').filter(Boolean)).to.deep.equal([
      'driftspec: profile broken-profile 0.0.1: 4 problems',
      `  ${FIXTURES}broken/profile.yaml: control "empty-01" has no check`,
      `  ${FIXTURES}broken/profile.yaml:5:15: include: the dependency has no control "base-09"; ` +
        'its controls: base-01, base-02, base-03, base-04',
      `  ${FIXTURES}broken/profile.yaml:9:7: inputs: base-hardening declares no input "confdir"`,
      `  ${FIXTURES}broken/profile.yaml: control "base-01" comes from more than one profile: ` +
        'broken-profile, base-hardening',
    ]);
  });

  it('a profile packed with npm pack, installed into another folder, runs by package name and as a dependency', () => {
    const manifest = fencedBlocks(PAGE, 'json').find((block) => block.includes('"name": "base-hardening"'))!;
    writeFileSync(join(work, 'base', 'package.json'), manifest);
    const packed = join(work, 'packed');
    mkdirSync(packed);
    sh('npm', ['pack', '--pack-destination', packed, '--ignore-scripts'], join(work, 'base'));
    const tarball = readdirSync(packed).find((name) => name.endsWith('.tgz'))!;
    expect(tarball).to.equal('base-hardening-1.2.0.tgz');
    const consumer = join(work, 'consumer');
    const installed = join(consumer, 'node_modules', 'base-hardening');
    mkdirSync(installed, { recursive: true });
    sh('tar', ['-xzf', join(packed, tarball), '-C', installed, '--strip-components=1'], consumer);

    const byName = json(documented('run base-hardening'), consumer);
    expect(statuses(byName)).to.deep.equal(['base-01 failed', 'base-02 passed', 'base-03 passed']);
    expect(byName.profiles!.map((p) => `${p.name} ${p.version}`)).to.deep.equal(['base-hardening 1.2.0']);

    mkdirSync(join(consumer, 'mine'));
    writeFileSync(
      join(consumer, 'mine', 'profile.yaml'),
      'name: mine\nversion: 1.0.0\ndepends:\n  - package: base-hardening\n    include: [base-01]\n' +
        '    inputs: { conf_dir: /etc }\n',
    );
    const dependent = json(['run', 'mine'], consumer);
    expect(statuses(dependent)).to.deep.equal(['base-01 passed']);
    expect(dependent.profiles!.map((p) => `${p.name} ${p.requiredBy ?? '-'}`)).to.deep.equal([
      'mine -',
      'base-hardening mine',
    ]);
    expect(run(['profile', 'check', 'base-hardening'], consumer).code).to.equal(0);
  });
});
