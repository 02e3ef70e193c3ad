import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type CliRun, cliArgv, cliEnvironment } from '../support/cli.js';

// `driftspec init` as a user runs it: the scaffold in a fresh folder, then its npm scripts' commands (the
// built CLI, and mocha on the scaffolded test with this checkout linked as node_modules/driftspec) pass on
// this machine.

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MOCHA = join(REPO, 'node_modules', 'mocha', 'bin', 'mocha.js');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const YAML_ONLY = ['.mocharc.infra.json', 'package.json', 'specs/local-machine.yaml', 'test/infra.test.mjs'];
const ALL_FILES = [...YAML_ONLY, 'specs/accounts.ts', 'specs/tsconfig.json'].sort();
const TEST_INFRA = 'mocha --config .mocharc.infra.json --no-package';

describe('driftspec init', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'driftspec-init-'));
  const cacheDir = join(work, 'cache');
  after(() => rmSync(work, { recursive: true, force: true }));

  function cli(args: readonly string[], cwd: string): CliRun {
    const [command, ...argv] = cliArgv(args);
    const run = spawnSync(command!, argv, { cwd, encoding: 'utf8', env: cliEnvironment(cacheDir) });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  /** A new project folder with this checkout as its installed driftspec. */
  function project(name: string): string {
    const dir = join(work, name);
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(REPO, join(dir, 'node_modules', 'driftspec'));
    return dir;
  }

  function newScripts(): Record<string, string> {
    return { infra: 'driftspec run specs/', 'test:infra': TEST_INFRA };
  }

  /** Every file under `dir` but node_modules, with its content. */
  function contents(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      const path = relative(dir, join(entry.parentPath, entry.name));
      if (entry.isFile() && !path.startsWith('node_modules')) files[path] = readFileSync(join(dir, path), 'utf8');
    }
    return files;
  }

  function mocha(dir: string): CliRun {
    const run = spawnSync(process.execPath, [MOCHA, '--config', '.mocharc.infra.json', '--no-package'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', DRIFTSPEC_CACHE_DIR: cacheDir },
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it('scaffolds the current folder; its specs and its mocha test pass on this machine', () => {
    const dir = project('fresh');
    const init = cli(['init'], dir);
    expect(init.code, init.stderr).to.equal(0);
    expect(Object.keys(contents(dir)).sort()).to.deep.equal(ALL_FILES);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.scripts).to.deep.equal(newScripts());

    const run = cli(['run', 'specs/'], dir);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/all \d+ checks passed/);
    const test = mocha(dir);
    expect(test.code, test.stdout + test.stderr).to.equal(0);
    expect(test.stdout).to.include('1 passing');
  });

  it("sits beside a project's own tsconfig.json and mocha options, which its test does not read", () => {
    const dir = project('app');
    const own = {
      'tsconfig.json': '{ "compilerOptions": { "strict": true } }\n',
      '.mocharc.json': '{ "spec": ["app-tests/**/*.js"], "require": ["./no-such-setup.cjs"] }\n',
    };
    for (const [name, text] of Object.entries(own)) writeFileSync(join(dir, name), text);
    const manifest = { name: 'app', mocha: { require: ['./no-such-setup.cjs'] }, scripts: { test: 'mocha' } };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const init = cli(['init'], dir);
    expect(init.code, init.stderr).to.equal(0);
    for (const [name, text] of Object.entries(own)) expect(readFileSync(join(dir, name), 'utf8')).to.equal(text);
    const after = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(after).to.deep.equal({ ...manifest, scripts: { ...manifest.scripts, ...newScripts() } });
    const test = mocha(dir);
    expect(test.code, test.stdout + test.stderr).to.equal(0);
  });

  it("the scaffolded TypeScript spec compiles against driftspec's types with its tsconfig.json", () => {
    const dir = project('typed');
    expect(cli(['init'], dir).code).to.equal(0);
    execFileSync(process.execPath, [TSC, '-p', 'specs'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  });

  it('the mocha test fails when a check fails, naming the check', () => {
    const dir = project('failing');
    expect(cli(['init'], dir).code).to.equal(0);
    const broken =
      'spec: broken\ncontrols:\n  - id: broken-01\n    checks:\n      - user: no-such-user-9\n        exists: true\n';
    writeFileSync(join(dir, 'specs', 'broken.yaml'), broken);
    const test = mocha(dir);
    expect(test.code).to.equal(1);
    expect(test.stdout).to.match(/local: failed: broken-01 .*no-such-user-9/);
  });

  it('refuses to overwrite: exit 64, the files named, nothing written', () => {
    const dir = project('existing');
    mkdirSync(join(dir, 'specs'));
    writeFileSync(join(dir, 'specs', 'local-machine.yaml'), 'mine\n');
    writeFileSync(join(dir, 'package.json'), '{\n  "name": "app",\n  "scripts": { "infra": "make infra" }\n}\n');
    const before = contents(dir);
    const init = cli(['init', '.'], dir);
    expect(init.code).to.equal(64);
    expect(init.stderr).to.include(
      'refusing to overwrite (add --force): specs/local-machine.yaml, package.json script "infra"; nothing was written',
    );
    expect(contents(dir)).to.deep.equal(before);
  });

  it('--force overwrites the files and the script, keeping the rest of package.json', () => {
    const dir = project('forced');
    mkdirSync(join(dir, 'specs'));
    writeFileSync(join(dir, 'specs', 'local-machine.yaml'), 'mine\n');
    const manifest = '{\n  "name": "app",\n  "version": "2.0.0",\n  "scripts": {\n    "infra": "make infra"\n  }\n}\n';
    writeFileSync(join(dir, 'package.json'), manifest);
    const init = cli(['init', dir, '--force'], work);
    expect(init.code, init.stderr).to.equal(0);
    expect(readFileSync(join(dir, 'specs', 'local-machine.yaml'), 'utf8')).to.include('spec: local-machine');
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).to.equal(
      '{\n  "name": "app",\n  "version": "2.0.0",\n  "scripts": {\n    "infra": "driftspec run specs/",\n' +
        `    "test:infra": "${TEST_INFRA}"\n  }\n}\n`,
    );
    expect(mocha(dir).code).to.equal(0);
  });

  it('--yaml-only leaves out the TypeScript spec and its tsconfig.json', () => {
    const dir = project('yaml');
    expect(cli(['init', '--yaml-only'], dir).code).to.equal(0);
    expect(Object.keys(contents(dir)).sort()).to.deep.equal(YAML_ONLY.sort());
    expect(mocha(dir).code).to.equal(0);
  });

  it('a package.json that is not JSON: exit 78 naming it, nothing written', () => {
    const dir = project('bad-manifest');
    writeFileSync(join(dir, 'package.json'), '{ "name": ');
    const init = cli(['init', 'bad-manifest'], work);
    expect(init.code).to.equal(78);
    expect(init.stderr).to.match(/bad-manifest\/package\.json: not JSON: .*cut short/);
    expect(Object.keys(contents(dir))).to.deep.equal(['package.json']);
  });

  it('a folder that cannot be written to: exit 73, nothing written', () => {
    const file = join(work, 'a-file');
    writeFileSync(file, '');
    const init = cli(['init', 'a-file/project'], work);
    expect(init.code).to.equal(73);
    expect(init.stderr).to.include('a-file/project');
  });

  it('a file that cannot be written half-way: exit 73, no file and no new folder left', () => {
    const dir = project('half-way');
    writeFileSync(join(dir, 'test'), 'a file where the test folder would go\n');
    const init = cli(['init'], dir);
    expect(init.code).to.equal(73);
    expect(init.stderr).to.include('test/infra.test.mjs');
    expect(readdirSync(dir).sort()).to.deep.equal(['node_modules', 'test']);
  });
});
