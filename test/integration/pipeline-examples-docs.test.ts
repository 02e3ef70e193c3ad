import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { runCliSync } from '../support/cli.js';
import { shellSteps, tokenizeGroovy } from '../support/groovy-structure.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DOC_PATH = join(REPO, 'docs/pipelines.md');
const DOC = readFileSync(DOC_PATH, 'utf8');
const cacheDir = join(tmpdir(), 'driftspec-pipeline-docs-cache');

function repoFile(path: string): string {
  return readFileSync(join(REPO, path), 'utf8');
}

/** Every shell script of the three CI examples. */
function exampleScripts(): string[] {
  const jenkins = shellSteps(tokenizeGroovy(repoFile('examples/jenkins/Jenkinsfile'))).map((step) => step.script);
  const github = parseYaml(repoFile('examples/github-actions/golden-image.yml')) as {
    jobs: Record<string, { steps: { run?: string }[] }>;
  };
  const gitlab = parseYaml(repoFile('examples/gitlab-ci/.gitlab-ci.yml')) as Record<string, { script?: string[] }>;
  return [
    ...jenkins,
    ...Object.values(github.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run ? [step.run] : []))),
    ...Object.values(gitlab).flatMap((job) => job.script ?? []),
  ];
}

/** The long options of each `driftspec <command>` call in the scripts (continuation lines joined). */
function optionsUsed(command: string): Set<string> {
  const options = new Set<string>();
  for (const script of exampleScripts()) {
    const joined = script.replace(/\\\n/g, ' ');
    for (const call of joined.matchAll(new RegExp(`driftspec ${command} ([^\\n]*)`, 'g'))) {
      for (const option of call[1]!.matchAll(/(?<=\s|^)(--[a-z][a-z-]*)/g)) options.add(option[1]!);
    }
  }
  return options;
}

describe('docs/pipelines.md', function () {
  this.timeout(60_000);
  after(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('has the sections of the flow, with Packer and promotion left to their own pages', () => {
    const headings = [...DOC.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(headings).to.include.ordered.members([
      'The flow',
      'Exit codes a pipeline acts on',
      'Packer',
      'Jenkins',
      'GitHub Actions',
      'GitLab CI',
      'Promotion and the golden record',
      'Terraform',
      'How the examples are tested',
    ]);
  });

  it('draws the flow as a Mermaid chart, stage after stage', () => {
    const chart = /```mermaid\n([\s\S]*?)```/.exec(DOC)?.[1];
    expect(chart, 'a mermaid block').to.be.a('string');
    const edges = [...chart!.matchAll(/^\s*(\w+)(?:\[[^\]]*\])?\s*-->(?:\|[^|]*\|)?\s*(\w+)/gm)].map(
      ([, from, to]) => `${from} → ${to}`,
    );
    expect(edges).to.include.ordered.members([
      'validate → build',
      'build → boot',
      'boot → verify',
      'verify → drift',
      'drift → promote',
      'promote → apply',
    ]);
  });

  it('links only to files and sections that exist', () => {
    for (const [, target] of DOC.matchAll(/\]\(([^)]+)\)/g)) {
      const [path, anchor] = target!.split('#');
      const file = path ? resolve(dirname(DOC_PATH), path) : DOC_PATH;
      expect(existsSync(file), target).to.equal(true);
      if (!anchor) continue;
      const headings = [...readFileSync(file, 'utf8').matchAll(/^#+ (.+)$/gm)].map((match) =>
        match[1]!
          .toLowerCase()
          .replace(/[^\w\s-]/g, '')
          .replace(/\s/g, '-'),
      );
      expect(headings, target).to.include(anchor);
    }
  });

  it('lists the exit codes of driftspec run that docs/cli.md documents', () => {
    const cliCodes = new Set(
      [...repoFile('docs/cli.md').matchAll(/^\| (\d+(?:, \d+)*) \|/gm)].flatMap((match) => match[1]!.split(', ')),
    );
    const runRows = [...DOC.matchAll(/^\| `run` \| ([\d, ]+) \|/gm)].flatMap((match) => match[1]!.split(', '));
    expect(runRows).to.have.members(['0', '1', '2', '78', '64', '65', '70', '73']);
    for (const code of runRows) expect(cliCodes, `exit ${code}`).to.include(code);
  });

  for (const command of ['run', 'drift', 'promote']) {
    it(`uses only options that driftspec ${command} --help lists in the examples`, () => {
      const help = runCliSync([command, '--help'], cacheDir);
      expect(help.code, help.stderr).to.equal(0);
      const used = [...optionsUsed(command)];
      expect(used).to.not.deep.equal([]);
      for (const option of used) expect(help.stdout, option).to.match(new RegExp(`${option}(?![a-z-])`));
    });
  }
});
