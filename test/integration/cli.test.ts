import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCliSync } from '../support/cli.js';
import { fixturePath } from '../support/frames.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'driftspec-cli-cache-'));

/** The compiled CLI as a user runs it (npm test builds it first). */
function cli(...args: string[]) {
  return runCliSync(args, cacheDir);
}

function specFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'driftspec-cli-')), 'spec.yaml');
  writeFileSync(path, text);
  return path;
}

describe('CLI', () => {
  it('prints its version and help with exit 0', () => {
    expect(cli('--version')).to.include({ code: 0 });
    expect(cli('--version').stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
    const help = cli('run', '--help');
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('--target');
  });

  it('exits 0 when every check passes', () => {
    const run = cli('run', specFile('spec: ok\nchecks:\n  - file: /etc/passwd\n    type: file\n'));
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.include('Result: passed');
  });

  it('exits 1 on a failed check and shows expected and actual', () => {
    const run = cli('run', specFile("spec: bad\nchecks:\n  - file: /etc/passwd\n    mode: '0600'\n"));
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include('expected file /etc/passwd to have mode 0600, but got 0644');
  });

  it('exits 2 when a check errors, even beside failures', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'driftspec-cli-')), 'big');
    writeFileSync(path, Buffer.alloc(1024 * 1024 + 10, 'a'));
    const run = cli(
      'run',
      specFile(`spec: err\nchecks:\n  - file: ${path}\n    content: x\n  - file: /etc/passwd\n    mode: '0600'\n`),
    );
    expect(run.code).to.equal(2);
    expect(run.stdout).to.match(/larger than the 1048576-byte content limit/);
  });

  it('exits 78 for an invalid spec, naming file and line', () => {
    const path = specFile('spec: s\nchecks:\n  - file: /etc/passwd\n    colour: red\n');
    const run = cli('run', path);
    expect(run.code).to.equal(78);
    expect(run.stderr).to.include(`${path}:4:5: unknown key "colour"`);
  });

  it('exits 64 for wrong usage', () => {
    expect(cli('run', '--no-such-flag').code).to.equal(64);
    expect(cli('run', '--format', 'xml', fixturePath('specs/mini.yaml')).code).to.equal(64);
    expect(cli('frobnicate').code).to.equal(64);
    expect(cli('schema', 'nonsense').code).to.equal(64);
  });

  it('writes a JSON result that its own schema accepts', () => {
    const run = cli('run', '--format', 'json', fixturePath('specs/mini.yaml'));
    const result = RunResultSchema.parse(JSON.parse(run.stdout));
    expect(result.hosts[0]!.status).to.equal('completed');
    expect(result.verdict!.exitCode).to.equal(run.code);
    expect(result.startedAt).to.match(/[+-]\d\d:\d\d$/);
  });

  it('writes several reports at once, creating folders, with one on stdout', () => {
    const out = mkdtempSync(join(tmpdir(), 'driftspec-cli-reports-'));
    const run = cli(
      'run',
      fixturePath('specs/mini.yaml'),
      '-r',
      'cli',
      '-r',
      `junit:${out}/a/junit.xml`,
      '-r',
      `json:${out}/run.json`,
      '-r',
      `html:${out}/report.html`,
      '-r',
      `markdown:${out}/summary.md`,
    );
    expect(run.code).to.equal(1);
    expect(run.stdout).to.include('Result: blocked');
    expect(readFileSync(join(out, 'a/junit.xml'), 'utf8')).to.include('<testsuite');
    expect(RunResultSchema.parse(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).verdict!.exitCode).to.equal(
      1,
    );
    expect(readFileSync(join(out, 'report.html'), 'utf8')).to.match(/^<!DOCTYPE html>/i);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).to.include('fs-01');
    expect(cli('run', fixturePath('specs/mini.yaml'), '-r', 'cli', '-r', 'json').code).to.equal(64);
    expect(cli('run', fixturePath('specs/mini.yaml'), '-r', 'xml:out.xml').code).to.equal(64);
  });

  it('lets a policy decide: allowed failures pass, a bad policy file is a configuration error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-cli-policy-'));
    writeFileSync(join(dir, 'lenient.yaml'), 'failures:\n  allow:\n    high: unlimited\n');
    writeFileSync(join(dir, 'broken.yaml'), 'failures:\n  allow:\n    severe: 1\n');
    const lenient = cli('run', fixturePath('specs/mini.yaml'), '--policy', join(dir, 'lenient.yaml'));
    expect(lenient.code, lenient.stdout + lenient.stderr).to.equal(0);
    const broken = cli('run', fixturePath('specs/mini.yaml'), '--policy', join(dir, 'broken.yaml'));
    expect(broken.code).to.equal(78);
    expect(broken.stderr).to.include(`${join(dir, 'broken.yaml')}:3:`);
  });

  it('prints JSON Schemas for specs, plans, results, inventories and policies', () => {
    for (const name of ['spec', 'plan', 'result', 'inventory', 'policy']) {
      const run = cli('schema', name);
      expect(run.code).to.equal(0);
      expect(JSON.parse(run.stdout)).to.have.property('$schema');
    }
  });
});
