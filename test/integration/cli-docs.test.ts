import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runCliSync } from '../support/cli.js';

const CLI_DOC = readFileSync(fileURLToPath(new URL('../../docs/cli.md', import.meta.url)), 'utf8');
const cacheDir = join(tmpdir(), 'driftspec-cli-docs-cache');

function help(...command: string[]): string {
  const run = runCliSync([...command, '--help'], cacheDir);
  expect(run.code, run.stderr).to.equal(0);
  return run.stdout;
}

/** The commands the program lists under "Commands:", without commander's own "help". */
function commandNames(): string[] {
  const list = help().split(/^Commands:$/m)[1] ?? '';
  return [...list.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
}

/** Every long option a help text lists in its "Options:" section. */
function longOptions(helpText: string): string[] {
  const options = helpText.split(/^Options:$/m)[1] ?? '';
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]!);
}

/** Whether docs/cli.md names an option as itself, not as the start of a longer one (`--sudo` in `--sudo-user`). */
function documents(option: string): boolean {
  return new RegExp(`${option}(?![a-z0-9-])`).test(CLI_DOC);
}

const SYNOPSIS = CLI_DOC.slice(0, CLI_DOC.indexOf('\n## '));

describe('docs/cli.md', function () {
  this.timeout(60_000);
  const commands = commandNames();

  it('has the commands of --help in its synopsis, each with a section of its own', () => {
    expect(commands).to.include.members(['run', 'plan', 'schema', 'snapshot', 'drift', 'generate']);
    for (const command of commands) {
      expect(SYNOPSIS, `synopsis line for ${command}`).to.match(new RegExp(`^ {4}driftspec ${command}\\b`, 'm'));
      expect(CLI_DOC, `section for ${command}`).to.match(new RegExp(`^## ${command}$`, 'm'));
    }
  });

  it('names every option that a command (or the program) lists in --help', () => {
    const missing: string[] = [];
    for (const command of [[], ...commands.map((name) => [name])]) {
      for (const option of longOptions(help(...command))) {
        if (!documents(option)) missing.push(`driftspec ${command.join(' ')} ${option}`.replace('  ', ' '));
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it('lists every kind that "schema" prints in its synopsis', () => {
    // commander wraps the list at 80 columns.
    const kinds = /one of: ([a-z,\s]+)/.exec(help('schema'))?.[1]?.trim().split(/,\s+/) ?? [];
    expect(kinds.length, 'kinds read from schema --help').to.be.greaterThan(3);
    expect(SYNOPSIS).to.include(`driftspec schema <${kinds.join('|')}>`);
  });
});
