import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { RunResult } from '../../src/results/schema.js';
import { cliArgv, cliEnvironment, type CliRun } from '../support/cli.js';
import { schemaErrors } from '../support/xmllint.js';

// Every example of docs/controls.md, run through the built CLI against this machine, in a folder
// holding the files its ```yaml blocks name in their first line (written with that line, so that
// the lines the page quotes in messages are the lines of the files).

const PAGE = readFileSync(fileURLToPath(new URL('../../docs/controls.md', import.meta.url)), 'utf8');

function fencedBlocks(language: string): string[] {
  const fence = '```';
  return [...PAGE.matchAll(new RegExp(`^${fence}${language}\\n([\\s\\S]*?)^${fence}`, 'gm'))].map((match) => match[1]!);
}

/** The indented command lines of the page, without `driftspec`. */
const COMMANDS = [...PAGE.matchAll(/^ {4}driftspec (run .*)$/gm)].map((match) => match[1]!);

describe('docs/controls.md', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-controls-docs-'));
  const cache = join(work, '.cache');
  after(() => rmSync(work, { recursive: true, force: true }));

  before(() => {
    for (const block of fencedBlocks('yaml')) {
      const name = /^# ([\w.-]+)\n/.exec(block)?.[1];
      expect(name, `a yaml block names its file in its first line:\n${block}`).to.be.a('string');
      writeFileSync(join(work, name!), block);
    }
    const typescript = fencedBlocks('ts').find((block) => block.includes('export default spec('));
    writeFileSync(join(work, 'audit.ts'), typescript!);
  });

  /** A command line of the page, split as the shell would (single quotes only). */
  function run(commandLine: string, ...extra: string[]): CliRun {
    const args = [...commandLine.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    const [command, ...argv] = cliArgv([...args, ...extra]);
    const result = spawnSync(command!, argv, { cwd: work, encoding: 'utf8', env: cliEnvironment(cache) });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function json(commandLine: string): RunResult {
    const result = run(commandLine, '-f', 'json');
    expect(result.stdout, result.stderr).to.not.equal('');
    return JSON.parse(result.stdout) as RunResult;
  }

  function documented(prefix: string): string {
    const line = COMMANDS.find((command) => command.startsWith(prefix));
    expect(line, `a command line starting "driftspec ${prefix}"`).to.be.a('string');
    return line!;
  }

  it('inputs: file and flag set the values; the sensitive one never shows', () => {
    const line = documented('run audit.yaml --input-file inputs.yaml --input min_uid=500');
    const result = json(line);
    const inputs = result.hosts[0]!.inputs!;
    expect(inputs.map((i) => `${i.name}=${JSON.stringify(i.value)} (${i.source})`)).to.deep.equal([
      'conf_dir="/etc" (inputs.yaml:2:1)',
      'min_uid=500 (--input min_uid=…)',
      'secret_marker="***" (default)',
    ]);
    expect(JSON.stringify(result)).not.to.include('do-not-show');
    expect(result.hosts[0]!.controls!.map((c) => `${c.id} ${c.status}`)).to.deep.equal([
      'acct-01 passed',
      'acct-02 failed',
      'rhel-01 not-applicable',
      'acct-03 failed',
    ]);
    const shown = /`(not applicable: the control applies only to rhel, fedora \(this host: [^`]*)`/.exec(PAGE)![1]!;
    const rhel = result.hosts[0]!.results.find((r) => r.control === 'rhel-01')!;
    expect(rhel.message).to.equal(shown);
    expect(run(line).code).to.equal(1);
  });

  it('inputs: an undeclared reference and a value of the wrong type stop the run as shown', () => {
    const spec = readFileSync(join(work, 'audit.yaml'), 'utf8');
    writeFileSync(join(work, 'typo.yaml'), spec.replace('{input.conf_dir}/passwd', '{input.confdir}/passwd'));
    const typo = run('run typo.yaml');
    expect(typo.code).to.equal(78);
    const shown = /^ {4}(audit\.yaml:\d+:\d+: unknown input .*)$/m.exec(PAGE)![1]!;
    expect(typo.stderr).to.include(shown.replace('audit.yaml', 'typo.yaml'));
    const wrong = run('run audit.yaml --input min_uid=abc');
    expect(wrong.code).to.equal(78);
    expect(PAGE).to.include(wrong.stderr.trim());
  });

  it('the TypeScript spec with inputs runs', () => {
    const result = run('run audit.ts --input admins=[root]', '-v');
    expect(result.code, result.stderr + result.stdout).to.equal(0);
    expect(result.stdout).to.include('user root should exist');
  });

  it('waivers: waived, expired and unknown, as the page says', () => {
    const line = documented('run audit.yaml --waivers waivers.yaml');
    const cli = run(line);
    expect(cli.code).to.equal(1);
    expect(cli.stdout).to.include('acct-02  No leftover telnet account [low] waived (checks: failed)');
    const expired = /`(waivers\.yaml:\d+:1: the waiver of control "acct-03" expired[^`]*)`/.exec(PAGE)![1]!;
    expect(cli.stdout).to.include(`Warning: ${expired}`);
    expect(cli.stdout).to.include('waiver for unknown control "retired-01"');
    const junit = run(line, '-r', 'junit').stdout;
    const waiver = 'the telnet leftover is removed with the next image (ticket OPS-1234)';
    expect(junit).to.include(`<skipped message="waived: ${waiver} (until 2999-12-31)"/>`);
    writeFileSync(join(work, 'junit.xml'), junit);
    expect(schemaErrors(join(work, 'junit.xml'))).to.equal(null);
    const result = json(line);
    expect(result.waivers!.map((w) => `${w.control} ${w.state}`)).to.deep.equal([
      'acct-02 applied',
      'acct-03 expired',
      'retired-01 unknown-control',
    ]);
    expect(result.verdict!.reasons).to.include('allowed: local: 1 control waived (acct-02)');
  });

  it('filtering: left out of the probe and the reports, the selection recorded', () => {
    const byId = json(documented('run audit.yaml --controls'));
    expect(byId.controls.map((c) => c.id)).to.deep.equal(['acct-01', 'acct-02']);
    const scripts = Object.values(byId.hosts[0]!.evidence).map((e) => e.script);
    expect(scripts.join('\n')).not.to.include('/etc/***');
    const line = documented('run audit.yaml --tags');
    const byTag = run(line);
    expect(byTag.code, byTag.stdout).to.equal(0);
    expect(json(line).controls.map((c) => c.id)).to.deep.equal(['acct-01']);
    const selection = /`(filtered by --tags [^`]*)`/.exec(PAGE)![1]!;
    const tags = /^filtered by --tags (\S+):/.exec(selection)![1]!;
    expect(run(`run audit.yaml --tags ${tags}`).stdout).to.include(selection);
  });

  it('the gate with minImpact blocks on the expired waiver of a high control', () => {
    const result = run(documented('run audit.yaml --policy gate.yaml'));
    expect(result.code).to.equal(1);
    expect(result.stdout).to.include('local: 1 failed high control (acct-03)');
  });
});
