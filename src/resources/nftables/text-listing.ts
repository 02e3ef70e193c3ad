import { FactError } from '../resource.js';

/** A rule as `nft -a list ruleset` prints it: its text, and the handle of the chain it is in. */
export interface TextRule {
  chainHandle: number;
  text: string;
}

/** Per table (`FAMILY TABLE_HANDLE`), its rules by rule handle (handles are unique within a table). */
export type TextRules = Map<string, Map<number, TextRule>>;

const TABLE_LINE = /^table (\S+) .* \{ # handle (\d+)$/;
const BLOCK_LINE = /^\t(\S+) .*\{ # handle (\d+)$/;
const RULE_HANDLE = / # handle (\d+)$/;
/** The lines of a chain that are not rules: its hook, priority and policy, devices, comment. */
const CHAIN_SETTING = /^(type|policy|devices|comment) /;

interface Position {
  table?: { key: string; rules: Map<number, TextRule> };
  chainHandle?: number;
  inBlock: boolean;
}

/**
 * Reads `nft -s -a list ruleset`: every rule's text within its chain, keyed by its handle so the
 * JSON listing's rules find their text. A line inside a chain that is neither a setting nor a rule
 * with its handle, or a handle seen twice in a table, makes the listing unreadable: nothing a
 * rule's comment holds can stand for another rule.
 */
export function parseNftText(text: string, what: string): TextRules {
  const tables: TextRules = new Map();
  const position: Position = { inBlock: false };
  const fail = (line: string, why: string) =>
    new FactError(`${what}: ${why} in line ${JSON.stringify(line.slice(0, 200))}`);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (!line.startsWith('\t')) {
      readTableLine(line, position, tables, fail);
      continue;
    }
    if (!position.table) throw fail(line, 'a line outside a table');
    if (!line.startsWith('\t\t')) {
      readBlockLine(line, position, fail);
      continue;
    }
    if (position.chainHandle === undefined) {
      if (!position.inBlock) throw fail(line, 'a line outside a block');
      continue;
    }
    readChainLine(line, position.chainHandle, position.table.rules, fail);
  }
  if (position.table) throw new FactError(`${what}: the listing ends inside a table`);
  return tables;
}

type Fail = (line: string, why: string) => FactError;

function readTableLine(line: string, position: Position, tables: TextRules, fail: Fail): void {
  if (line === '}') {
    if (!position.table || position.inBlock) throw fail(line, 'an unexpected end of a table');
    position.table = undefined;
    return;
  }
  const table = TABLE_LINE.exec(line);
  if (!table || position.table) throw fail(line, 'unexpected output');
  const key = `${table[1]} ${table[2]}`;
  if (tables.has(key)) throw fail(line, 'a table handle seen twice');
  const rules = new Map<number, TextRule>();
  tables.set(key, rules);
  position.table = { key, rules };
}

function readBlockLine(line: string, position: Position, fail: Fail): void {
  if (line === '\t}') {
    if (!position.inBlock) throw fail(line, 'an unexpected end of a block');
    position.inBlock = false;
    position.chainHandle = undefined;
    return;
  }
  const block = BLOCK_LINE.exec(line);
  if (!block || position.inBlock) throw fail(line, 'unexpected output');
  position.inBlock = true;
  position.chainHandle = block[1] === 'chain' ? Number(block[2]) : undefined;
}

function readChainLine(line: string, chainHandle: number, rules: Map<number, TextRule>, fail: Fail): void {
  const body = line.slice(2);
  if (body.startsWith('\t')) throw fail(line, 'a line nested deeper than a rule');
  const handle = RULE_HANDLE.exec(body);
  if (!handle) {
    if (CHAIN_SETTING.test(body)) return;
    throw fail(line, 'a line of a chain that is neither a setting nor a rule with its handle');
  }
  const number = Number(handle[1]);
  if (rules.has(number)) throw fail(line, `rule handle ${number} seen twice in a table`);
  rules.set(number, { chainHandle, text: canonicalRule(body.slice(0, handle.index)) });
}

/**
 * A rule with runs of blanks outside quoted strings made one space, and none at either end: nft
 * leaves two spaces where an iptables-nft match prints nothing, and users write one. Inside quotes
 * (a log prefix, a comment) every character counts.
 */
export function canonicalRule(rule: string): string {
  let out = '';
  let quoted = false;
  for (const char of rule.trim()) {
    if (char === '"' && !out.endsWith('\\')) quoted = !quoted;
    if (!quoted && (char === ' ' || char === '\t')) {
      if (!out.endsWith(' ')) out += ' ';
      continue;
    }
    out += char;
  }
  return out;
}
