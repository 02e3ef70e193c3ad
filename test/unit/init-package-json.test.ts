import { expect } from 'chai';
import { mergeScripts, newPackageJson } from '../../src/cli/init/package-json.js';
import { isSpecError } from '../../src/inputs/input-error.js';

const SCRIPTS = { infra: 'driftspec run specs/', 'test:infra': 'mocha --config .mocharc.json' };

function refusal(text: string): string {
  try {
    mergeScripts(text, SCRIPTS, 'app/package.json');
  } catch (error) {
    expect(isSpecError(error), String(error)).to.equal(true);
    return (error as Error).message;
  }
  throw new Error('expected the package.json to be refused');
}

describe('driftspec init: the package.json scripts', () => {
  it('adds the scripts to a file formatted as npm writes it, changing nothing else', () => {
    const before = '{\n  "name": "app",\n  "scripts": {\n    "test": "mocha"\n  },\n  "dependencies": {}\n}\n';
    const { text, conflicts } = mergeScripts(before, SCRIPTS, 'package.json');
    expect(conflicts).to.deep.equal([]);
    expect(text).to.equal(
      '{\n  "name": "app",\n  "scripts": {\n    "test": "mocha",\n    "infra": "driftspec run specs/",\n' +
        '    "test:infra": "mocha --config .mocharc.json"\n  },\n  "dependencies": {}\n}\n',
    );
  });

  it('keeps tabs, CRLF line ends, a missing final newline and the order of the members', () => {
    const before = '{\r\n\t"version": "1.0.0",\r\n\t"name": "app"\r\n}';
    const { text } = mergeScripts(before, SCRIPTS, 'package.json');
    expect(text).to.equal(
      '{\r\n\t"version": "1.0.0",\r\n\t"name": "app",\r\n\t"scripts": {\r\n\t\t"infra": "driftspec run specs/",' +
        '\r\n\t\t"test:infra": "mocha --config .mocharc.json"\r\n\t}\r\n}',
    );
  });

  it('names a script of the same name with another command as a conflict, and one with the same command not', () => {
    const before = JSON.stringify({ scripts: { infra: 'make infra', 'test:infra': SCRIPTS['test:infra'] } });
    const { text, conflicts } = mergeScripts(before, SCRIPTS, 'package.json');
    expect(conflicts).to.deep.equal(['infra']);
    expect(JSON.parse(text).scripts).to.deep.equal(SCRIPTS);
  });

  it('refuses a file that is not a package manifest, naming it and what was expected', () => {
    expect(refusal('')).to.equal('app/package.json: not JSON: the file is empty');
    expect(refusal('{"name": "app",')).to.match(/^app\/package\.json: not JSON: .*cut short/);
    expect(refusal('[1, 2]')).to.equal('app/package.json: expected a JSON object (a package manifest)');
    expect(refusal('{"scripts": ["build"]}')).to.equal('app/package.json: scripts: an object');
    expect(refusal('{"scripts": {"build": true}}')).to.equal('app/package.json: scripts.build: a command line (text)');
  });

  it('names a new package after its folder, as npm accepts names', () => {
    expect(JSON.parse(newPackageJson('My Infra_Specs', SCRIPTS))).to.deep.equal({
      name: 'my-infra_specs',
      private: true,
      scripts: SCRIPTS,
    });
    expect(JSON.parse(newPackageJson('.hidden', SCRIPTS)).name).to.equal('hidden');
    expect(JSON.parse(newPackageJson('###', SCRIPTS)).name).to.equal('infra-specs');
  });
});
