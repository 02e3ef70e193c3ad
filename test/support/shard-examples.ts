import { Command, type Option } from 'commander';
import { COMMANDS } from '../../src/cli/commands/index.js';
import type { CliIo } from '../../src/cli/io.js';

/** The words of a shell command line as sh splits them (quotes removed; no expansion). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: string | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${line}`);
  if (inWord) words.push(current);
  return words;
}

/**
 * Every `driftspec …` (or `npx driftspec …`) command line of a shell script, continuation lines joined, as the
 * words after "driftspec".
 */
export function driftspecInvocations(script: string): string[][] {
  return script
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => shellWords(line.replace(/^\s*npx /, '')))
    .filter((words) => words[0] === 'driftspec')
    .map((words) => words.slice(1));
}

function realCommand(name: string): Command {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: process.cwd() };
  const program = new Command('driftspec');
  for (const module of COMMANDS) module.register(program, io);
  const command = program.commands.find((candidate) => candidate.name() === name);
  if (!command) throw new Error(`driftspec has no command "${name}"`);
  return command;
}

/**
 * What is wrong with a driftspec command line, judged by the real command's options (as the CLI
 * registers them): unknown options and options that need a value and have none. Empty when it is right.
 */
export function unknownOptions(words: readonly string[]): string[] {
  const [name, ...args] = words;
  const command = realCommand(name ?? '');
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) continue;
    const [flag, inline] = arg.split(/=(.*)/s) as [string, string | undefined];
    const option = command.options.find((candidate: Option) => candidate.long === flag || candidate.short === flag);
    if (!option) {
      problems.push(`driftspec ${name} has no option ${flag}`);
    } else if (option.required && inline === undefined) {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('-')) problems.push(`${flag} needs a value`);
      i++;
    }
  }
  return problems;
}

/** The value given to `flag` in a command line's words. */
export function optionValue(words: readonly string[], flag: string): string | undefined {
  const at = words.indexOf(flag);
  return at < 0 ? undefined : words[at + 1];
}

/** The fenced code blocks of a Markdown text in the section under `heading`, of the given language. */
export function fencedBlocks(markdown: string, heading: string, language: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(new RegExp(`^\`\`\`${language}\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
}
