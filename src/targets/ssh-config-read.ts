// Reads ssh_config files with the `ssh-config` parser: keywords, quoting and Host/Match blocks
// come from it; line numbers, Include and validation of the values driftspec uses are added here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import SSHConfig, { LineType, type Line } from 'ssh-config';
import { SpecError } from '../inputs/input-error.js';
import { formatZodIssues } from '../inputs/zod-issues.js';
import {
  CONFIG_VALUE_SCHEMAS,
  MATCH_PATTERN_CRITERIA,
  MATCH_REFUSED_CRITERIA,
  type Condition,
  type ConfigDirective,
  type ConfigKeyword,
  type HostPattern,
  type MatchCriterion,
  type SshConfig,
} from './ssh-config.js';

type MatchPatternCriterion = (typeof MATCH_PATTERN_CRITERIA)[number];
type MatchRefusedCriterion = (typeof MATCH_REFUSED_CRITERIA)[number];

/** OpenSSH's limit on nested Include. */
const MAX_INCLUDE_DEPTH = 16;

export interface ReadSshConfigOptions {
  home: string;
  /** Where a relative Include path starts: ~/.ssh for a user's file, /etc/ssh for the system-wide one. */
  includeBase?: string;
}

/**
 * Reads one ssh_config file and what it includes. A file that cannot be read, a line the parser
 * cannot make sense of and a bad value of a keyword driftspec uses are SpecErrors (exit 78)
 * naming the file and line.
 */
export function readSshConfig(path: string, options: ReadSshConfigOptions): SshConfig {
  const reader = new ConfigReader(options.home, options.includeBase ?? join(options.home, '.ssh'));
  reader.readFile(path, [], 0);
  return { files: reader.files, directives: reader.directives };
}

/** The values a block or directive line carries, quotes removed. */
function lineValues(line: { value: string | { val: string }[] }): string[] {
  return typeof line.value === 'string' ? (line.value === '' ? [] : [line.value]) : line.value.map((part) => part.val);
}

class ConfigReader {
  readonly files: string[] = [];
  readonly directives: ConfigDirective[] = [];

  constructor(
    private readonly home: string,
    private readonly includeBase: string,
  ) {}

  readFile(path: string, when: Condition, depth: number): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new SpecError(
        `cannot read the ssh_config file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        path,
      );
    }
    this.files.push(path);
    for (const { node, line, block } of numberedLines(parseConfig(text, path))) {
      if (node.type !== LineType.DIRECTIVE) continue;
      const source = `${path}:${line}`;
      if (/[\r\n]/.test(node.param)) throw new SpecError(`${node.param.split(/[\r\n]/)[0]} needs a value`, source);
      if (block === undefined && isHostOrMatchBlock(node)) continue;
      const scope = block === undefined ? when : blockCondition(block.node, when, `${path}:${block.line}`);
      this.directive(node, scope, source, depth);
    }
  }

  private directive(node: Line & { type: LineType.DIRECTIVE }, when: Condition, source: string, depth: number): void {
    const keyword = node.param.toLowerCase();
    if (keyword === 'include') return this.include(lineValues(node), when, source, depth);
    if (!(keyword in CONFIG_VALUE_SCHEMAS)) return;
    const value =
      keyword === 'identityfile'
        ? {
            path: typeof node.value === 'string' ? node.value : lineValues(node).join(' '),
            quoted: node.quoted === true,
          }
        : typeof node.value === 'string'
          ? node.value
          : lineValues(node).join(' ');
    const parsed = CONFIG_VALUE_SCHEMAS[keyword as ConfigKeyword].safeParse(value);
    if (!parsed.success) throw new SpecError(formatZodIssues(parsed.error), source);
    this.directives.push({ keyword, value: parsed.data, source, when } as ConfigDirective);
  }

  private include(patterns: string[], when: Condition, source: string, depth: number): void {
    if (patterns.length === 0) throw new SpecError('Include needs a value', source);
    if (depth + 1 > MAX_INCLUDE_DEPTH)
      throw new SpecError(`Include nested more than ${MAX_INCLUDE_DEPTH} deep (does a file include itself?)`, source);
    for (const pattern of patterns) {
      const absolute = this.absoluteIncludePath(pattern);
      for (const file of expandGlobPath(absolute)) this.readFile(file, when, depth + 1);
    }
  }

  /** As OpenSSH: `~` is the home directory, a relative path is under ~/.ssh (/etc/ssh in the system file). */
  private absoluteIncludePath(pattern: string): string {
    if (pattern === '~' || pattern.startsWith('~/')) return join(this.home, pattern.slice(1));
    return isAbsolute(pattern) ? pattern : join(this.includeBase, pattern);
  }
}

type HostOrMatchBlock = Line & { type: LineType.DIRECTIVE; config: SSHConfig };

function isHostOrMatchBlock(node: Line): node is HostOrMatchBlock {
  return node.type === LineType.DIRECTIVE && 'config' in node;
}

function blockCondition(block: HostOrMatchBlock, outer: Condition, source: string): Condition {
  if (/^match$/i.test(block.param))
    return [...outer, { kind: 'match', criteria: matchCriteria(block, source), source }];
  return [...outer, { kind: 'host', patterns: lineValues(block).map(patternOf), source }];
}

function patternOf(value: string): HostPattern {
  return value.startsWith('!') ? { negated: true, glob: value.slice(1) } : { negated: false, glob: value };
}

/** A Match line's criteria: a name, `!` to negate it, and an argument for all but all, canonical and final. */
function matchCriteria(block: HostOrMatchBlock, source: string): MatchCriterion[] {
  const words = lineValues(block);
  if (words.length === 0) throw new SpecError('Match needs criteria (all, host, user, …)', source);
  const criteria: MatchCriterion[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    const negated = word.startsWith('!');
    const name = (negated ? word.slice(1) : word).toLowerCase();
    if (name === 'all' || name === 'canonical' || name === 'final') {
      criteria.push({ negated, name });
      continue;
    }
    const known = [...MATCH_PATTERN_CRITERIA, ...MATCH_REFUSED_CRITERIA] as readonly string[];
    if (!known.includes(name)) throw new SpecError(`Match criterion "${word}" is unknown`, source);
    const argument = words[++index];
    if (argument === undefined) throw new SpecError(`Match ${name} needs a value`, source);
    criteria.push(
      (MATCH_PATTERN_CRITERIA as readonly string[]).includes(name)
        ? { negated, name: name as MatchPatternCriterion, patterns: argument.split(',').map(patternOf) }
        : { negated, name: name as MatchRefusedCriterion, argument },
    );
  }
  const all = criteria.find((criterion) => criterion.name === 'all');
  if (all && criteria.some((criterion) => !['all', 'canonical', 'final'].includes(criterion.name)))
    throw new SpecError('Match all cannot be combined with other criteria than canonical and final', source);
  return criteria;
}

/**
 * The parser throws on an unterminated quote or a Match without its value, without saying where;
 * parsing line by line finds the first line it refuses.
 */
function parseConfig(text: string, path: string): SSHConfig {
  try {
    return SSHConfig.parse(text);
  } catch (error) {
    const lines = text.split(/\r?\n/);
    for (let index = 0; index < lines.length; index++) {
      try {
        SSHConfig.parse(`${lines[index]}\n`);
      } catch (lineError) {
        throw new SpecError(describeParseError(lineError as Error), `${path}:${index + 1}`);
      }
    }
    throw new SpecError(describeParseError(error as Error), path);
  }
}

function describeParseError(error: Error): string {
  if (error instanceof TypeError) return 'a keyword without a value';
  const criterion = /^Missing value for match criteria (\S+)/.exec(error.message);
  if (criterion) return `Match ${criterion[1]} needs a value`;
  return /^Unexpected line break/.test(error.message) ? 'unterminated quote' : error.message;
}

interface NumberedLine {
  node: Line;
  line: number;
  /** The Host or Match block the line is in. */
  block: { node: HostOrMatchBlock; line: number } | undefined;
}

/**
 * The parser keeps every character of the text around its nodes (the `before` and `after`
 * whitespace, comments as nodes), so counting line breaks in document order gives each node's line.
 */
function* numberedLines(config: SSHConfig): Generator<NumberedLine> {
  let breaks = 0;
  const count = (text: string) => (text.match(/\n/g) ?? []).length;
  function* walk(nodes: SSHConfig, block: NumberedLine['block']): Generator<NumberedLine> {
    for (const node of nodes) {
      breaks += count(node.before);
      const line = breaks + 1;
      if (node.type === LineType.DIRECTIVE) breaks += count(node.param);
      if (node.type === LineType.COMMENT) breaks += count(node.content);
      breaks += count(node.after);
      yield { node, line, block };
      if (isHostOrMatchBlock(node)) yield* walk(node.config, { node, line });
    }
  }
  yield* walk(config, undefined);
}

/** Include's glob(3): `*`, `?` and `[…]` in any path component; matches in sorted order, files only. */
export function expandGlobPath(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return isFile(pattern) ? [pattern] : [];
  const components = pattern.split('/').filter((component, index) => component !== '' || index === 0);
  let paths = [components[0] === '' ? '/' : '.'];
  for (const component of components.slice(components[0] === '' ? 1 : 0)) {
    if (!/[*?[]/.test(component)) {
      paths = paths.map((path) => join(path, component));
      continue;
    }
    const matcher = globComponent(component);
    paths = paths.flatMap((path) =>
      listDirectory(path)
        .filter((name) => matcher.test(name) && (component.startsWith('.') || !name.startsWith('.')))
        .sort()
        .map((name) => join(path, name)),
    );
  }
  return paths.filter(isFile);
}

function globComponent(component: string): RegExp {
  let source = '';
  for (let index = 0; index < component.length; index++) {
    const char = component[index]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = component.indexOf(']', index + 2);
      if (end === -1) source += '\\[';
      else {
        const body = component
          .slice(index + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        source += `[${body}]`;
        index = end;
      }
    } else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function listDirectory(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
