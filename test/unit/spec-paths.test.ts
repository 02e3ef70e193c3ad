import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isSpecError } from '../../src/inputs/input-error.js';
import { expandSpecArguments } from '../../src/plan/spec-paths.js';

describe('spec arguments: files, folders and globs', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'driftspec-spec-paths-'));
    const files = [
      'specs/b.yaml',
      'specs/a.yml',
      'specs/C.ts',
      'specs/d.mts',
      'specs/types.d.ts',
      'specs/notes.md',
      'specs/policy.json',
      'specs/.hidden.yaml',
      'specs/cis/1.1.yaml',
      'specs/cis/deep/2.yaml',
      'specs/.git/x.yaml',
      'only-sub/sub/x.yaml',
    ];
    for (const file of files) {
      mkdirSync(join(root, file, '..'), { recursive: true });
      writeFileSync(join(root, file), 'spec: x\n');
    }
    mkdirSync(join(root, 'empty'));
    // A link cycle: ** does not follow links to folders.
    symlinkSync(join(root, 'specs'), join(root, 'specs', 'cis', 'loop'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const expand = (...args: string[]) => expandSpecArguments(args, root);

  function refusal(...args: string[]): string {
    try {
      expand(...args);
    } catch (error) {
      if (isSpecError(error)) return error.message;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('takes a file as it is, and a missing file without glob characters as well (the loader reports it)', () => {
    expect(expand('specs/notes.md', 'missing.yaml')).to.deep.equal(['specs/notes.md', 'missing.yaml']);
  });

  it("takes a folder's .yaml, .yml, .ts and .mts files, sorted, not hidden ones, declarations or subfolders", () => {
    expect(expand('specs')).to.deep.equal(['specs/C.ts', 'specs/a.yml', 'specs/b.yaml', 'specs/d.mts']);
    expect(expand('specs/')).to.deep.equal(['specs/C.ts', 'specs/a.yml', 'specs/b.yaml', 'specs/d.mts']);
  });

  it('expands a glob by path segment, sorted; * does not cross "/" nor match hidden names', () => {
    expect(expand('specs/*.yaml')).to.deep.equal(['specs/b.yaml']);
    expect(expand('specs/*.y?ml', 'specs/[ab].*')).to.deep.equal(['specs/b.yaml', 'specs/a.yml']);
    expect(expand('*/*.yaml')).to.deep.equal(['specs/b.yaml']);
    expect(expand('specs/.*.yaml')).to.deep.equal(['specs/.hidden.yaml']);
  });

  it('lets ** match any number of folders, not hidden ones, without following links', () => {
    expect(expand('specs/**/*.yaml')).to.deep.equal(['specs/b.yaml', 'specs/cis/1.1.yaml', 'specs/cis/deep/2.yaml']);
    expect(expand(`${root}/specs/cis/**/*.yaml`)).to.deep.equal([
      `${root}/specs/cis/1.1.yaml`,
      `${root}/specs/cis/deep/2.yaml`,
    ]);
  });

  it('names each file once, in the order of the arguments', () => {
    expect(expand('specs/b.yaml', 'specs', './specs/b.yaml')).to.deep.equal([
      'specs/b.yaml',
      'specs/C.ts',
      'specs/a.yml',
      'specs/d.mts',
    ]);
  });

  it('refuses a glob that matches nothing, naming it', () => {
    expect(refusal('specs/*.toml')).to.match(/^specs\/\*\.toml: no file matches this glob/);
    expect(refusal('nowhere/**/*.yaml')).to.match(/^nowhere\/\*\*\/\*\.yaml: no file matches/);
  });

  it('refuses a folder without spec files, saying that subfolders are not searched', () => {
    expect(refusal('empty')).to.equal(
      'empty: a folder with no spec file (.yaml, .yml, .ts, .mts); its subfolders are not searched: name them, or ' +
        "quote a glob such as 'empty/**/*.yaml'",
    );
    expect(refusal('only-sub')).to.match(/^only-sub: a folder with no spec file/);
  });
});
