import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leadingZeroNumbersAsText, parseLocatedYaml, yamlValue } from '../../src/inputs/located-yaml.js';
import { NOT_PLAIN, readPlainYamlMap } from '../../src/inputs/plain-yaml.js';
import { seededRandom } from '../support/seeded-random.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What the `yaml` package makes of a text: the oracle. As a spec is read (numbers written with a
 * leading zero kept as text), or as every other input file is.
 */
function fullParser(text: string, leadingZeroNumbers: boolean): { value: unknown } | { error: string } {
  try {
    const { document } = parseLocatedYaml(text, 'doc.yaml', { keepSourceTokens: true });
    if (leadingZeroNumbers) leadingZeroNumbersAsText(document);
    return { value: yamlValue(document, 'doc.yaml') };
  } catch (error) {
    return { error: String(error) };
  }
}

function fast(text: string, leadingZeroNumbers = true): unknown {
  return readPlainYamlMap(text, { leadingZeroNumbersAsText: leadingZeroNumbers });
}

/** Equal as values, -0, NaN and prototypes included. */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length || keysA.some((key, i) => key !== keysB[i])) return false;
  return keysA.every((key) => same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/**
 * The property every text must have, in both ways of reading numbers: read fast only when it reads
 * exactly as the full parser reads it.
 */
function agreesWithFullParser(text: string): 'fast' | 'left to the full parser' {
  const verdicts = [true, false].map((leadingZeroNumbers) => {
    const quick = fast(text, leadingZeroNumbers);
    if (quick === NOT_PLAIN) return 'left to the full parser';
    const full = fullParser(text, leadingZeroNumbers);
    if ('error' in full) expect.fail(`read fast, but the full parser refuses it (${full.error}):\n${text}`);
    if (!same(quick, full.value))
      expect.fail(
        `read fast differently:\n${text}\nfast: ${JSON.stringify(quick)}\nfull: ${JSON.stringify(full.value)}`,
      );
    return 'fast';
  });
  expect(verdicts[1], 'the same texts are read fast either way').to.equal(verdicts[0]);
  return verdicts[0]!;
}

function yamlFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...yamlFilesUnder(path));
    else if (/\.ya?ml$/.test(name)) found.push(path);
  }
  return found;
}

/** Scalars as written in a document: every rule of the core schema, quoting and comments. */
const SCALARS = [
  'nginx',
  'a b',
  '0640',
  '0',
  '-0',
  '+0',
  '007',
  '12',
  '-12',
  '+12',
  '1_000',
  '0o17',
  '0o8',
  '0x1F',
  '+0x1',
  '0xg',
  '1.5',
  '.5',
  '1.',
  '-.5',
  '1e3',
  '1E-3',
  '.1e+2',
  '1e',
  '.inf',
  '-.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  'NaN',
  'inf',
  'true',
  'True',
  'TRUE',
  'tRue',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'null',
  'Null',
  'NULL',
  'nULL',
  '~',
  '2024-01-02',
  '12:30',
  'a:b',
  'http://x/y',
  'a#b',
  'a # comment',
  "'quoted'",
  "'it''s'",
  "''",
  '""',
  '"a\\tb"',
  '"\\u00e9\\x41"',
  '"\\U0001F600"',
  '"\\q"',
  '"a"b',
  "'a' # c",
  '"0640"',
  '-1',
  '-a',
  '--flag',
  '- a',
  '?a',
  ':a',
  '@a',
  '`a`',
  '%a',
  '!tag a',
  '&anchor a',
  '*alias',
  '|',
  '>',
  'a: b',
  'a:',
  'é',
  'a\u00a0',
  '[a, b]',
  '[]',
  '{}',
  '{ a: 1, b: [x, "y"] }',
  '[a, b,]',
  '[a,,b]',
  '{a: }',
  '{a:1}',
  '[a: b]',
  '[[1, 2], {k: v}]',
  '[ -1, +2 ]',
  '{ k: v # c }',
  '[a # b]',
  '[\'x\', "y"]',
  '[0640]',
];
const KEYS = [
  'a',
  'b',
  'file',
  'mode',
  'x.y',
  'k-1',
  '1',
  'true',
  'null',
  '~',
  '__proto__',
  'a b',
  '"q"',
  '0640',
  '<<',
];

function generatedDocument(next: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const lines: string[] = [];
  const step = pick([2, 2, 4, 1, 3]);
  const comment = (indent: number) => {
    if (next() < 0.1) lines.push(`${' '.repeat(indent)}# note`);
    if (next() < 0.05) lines.push('');
  };
  const map = (indent: number, depth: number, firstPrefix?: string): void => {
    const used = new Set<string>();
    const count = 1 + Math.floor(next() * 4);
    for (let i = 0; i < count; i++) {
      let key = next() < 0.85 ? pick(KEYS.slice(0, 6)) : pick(KEYS);
      if (used.has(key) && next() < 0.9) key = `${key}${i}`;
      used.add(key);
      const prefix = i === 0 && firstPrefix !== undefined ? firstPrefix : ' '.repeat(indent);
      comment(indent);
      value(`${prefix}${key}:`, indent, depth, true);
    }
  };
  const seq = (indent: number, depth: number): void => {
    const count = 1 + Math.floor(next() * 3);
    for (let i = 0; i < count; i++) {
      comment(indent);
      const dash = `${' '.repeat(indent)}-`;
      if (depth < 4 && next() < 0.35) map(indent + 2, depth + 1, `${dash} `);
      else value(dash, indent, depth, false);
    }
  };
  const value = (head: string, indent: number, depth: number, inMap: boolean): void => {
    const roll = next();
    if (depth < 4 && roll < 0.3) {
      lines.push(head + (next() < 0.1 ? ' # c' : ''));
      if (next() < 0.5) map(indent + step, depth + 1);
      else seq(inMap && next() < 0.3 ? indent : indent + step, depth + 1);
    } else if (roll < 0.38) {
      lines.push(`${head} ${pick(['|', '|-', '|+', '>', '|2', '| # c'])}`);
      const inner = indent + step;
      for (let i = 0; i < 1 + Math.floor(next() * 3); i++)
        lines.push(
          next() < 0.15
            ? pick(['', ' '.repeat(inner), ' '.repeat(inner + 1)])
            : `${' '.repeat(inner + (next() < 0.2 ? 2 : 0))}${pick(SCALARS)}`,
        );
    } else if (roll < 0.4) {
      lines.push(head);
    } else {
      const scalar = next() < 0.7 ? pick(SCALARS.slice(0, 40)) : pick(SCALARS);
      lines.push(`${head}${pick([' ', ' ', '  ', ''])}${scalar}${next() < 0.1 ? ' # trailing' : ''}`);
      if (next() < 0.03) lines.push(`${' '.repeat(indent + step)}continued`);
    }
  };
  map(0, 1);
  return lines.join('\n') + (next() < 0.9 ? '\n' : '');
}

function mutated(text: string, next: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const at = Math.floor(next() * (text.length + 1));
  const roll = next();
  if (roll < 0.4) return text.slice(0, at) + pick([...'-:#\'" \n[]{},|>&*!%@`?\\0a1.~']) + text.slice(at);
  if (roll < 0.7) return text.slice(0, at) + text.slice(at + 1);
  const lines = text.split('\n');
  const line = Math.floor(next() * lines.length);
  if (roll < 0.85) lines[line] = ` ${lines[line]}`;
  else lines.splice(line, 0, lines[line]!);
  return lines.join('\n');
}

describe('plain YAML reader (the fast path for spec files)', () => {
  const corpus = [
    ...yamlFilesUnder(join(ROOT, 'specs')),
    ...yamlFilesUnder(join(ROOT, 'bench', 'specs')),
    ...yamlFilesUnder(join(ROOT, 'examples')),
    ...yamlFilesUnder(join(ROOT, 'templates')),
    ...yamlFilesUnder(join(ROOT, 'docs')),
    ...yamlFilesUnder(join(ROOT, 'test', 'fixtures')),
  ];

  it('reads every YAML file of the project as the yaml package does, or leaves it to it', () => {
    expect(corpus.length).to.be.greaterThan(20);
    for (const path of corpus) agreesWithFullParser(readFileSync(path, 'utf8'));
  });

  it('reads the bundled specs, baselines and benchmark specs itself', () => {
    for (const path of [
      'bench/specs/checks-50.yaml',
      'bench/specs/checks-500.yaml',
      'specs/baselines/linux-baseline.yaml',
      'specs/baselines/ssh-baseline.yaml',
      'specs/debian-web-server.yaml',
    ])
      expect(agreesWithFullParser(readFileSync(join(ROOT, path), 'utf8')), path).to.equal('fast');
  });

  it('resolves every scalar as the core schema does, in block and flow collections', () => {
    let read = 0;
    for (const scalar of SCALARS) {
      for (const text of [`a: ${scalar}\n`, `a:\n  - ${scalar}\n`, `a: [${scalar}]\n`, `a: { k: ${scalar} }\n`]) {
        if (agreesWithFullParser(text) === 'fast') read++;
      }
    }
    expect(read).to.be.greaterThan(SCALARS.length * 2);
  });

  it('keeps numbers written with a leading zero as text, as the spec reader does', () => {
    expect(fast('mode: 0640\nuid: 0\nn: -007\nf: 0640.5\n')).to.deep.equal({
      mode: '0640',
      uid: 0,
      n: '-007',
      f: 640.5,
    });
    expect(readPlainYamlMap('mode: 0640\n')).to.deep.equal({ mode: 640 });
  });

  it('reads literal scalars with their chomping, and leaves the other block scalars alone', () => {
    expect(fast('run: |\n  echo a\n\n    b\n\nnext: 1\n')).to.deep.equal({ run: 'echo a\n\n  b\n', next: 1 });
    expect(fast('run: |-\n  echo a\n')).to.deep.equal({ run: 'echo a' });
    expect(fast('run: |\n  # kept\n #not\n')).to.deep.equal({ run: '# kept\n' });
    for (const text of ['a: >\n  b\n', 'a: |+\n  b\n\n', 'a: |2\n   b\n', 'a: |\n\n  b\n', 'a: |\n  b\n   \n'])
      expect(agreesWithFullParser(text), text).to.equal('left to the full parser');
  });

  it('leaves to the full parser what it does not read: anchors, tags, several documents, odd keys', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      '---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      '%YAML 1.2\n---\na: 1\n',
      'a: 1\na: 2\n',
      '"a b": 1\n',
      '? a\n: 1\n',
      '1: one\n',
      '__proto__: x\n',
      'a: b\n  continued\n',
      'a: "open\n  close"\n',
      'a: [1,\n  2]\n',
      '\ta: 1\n',
      'a: 1\r\n',
      '\ufeffa: 1\n',
      '- a\n',
      'plain text\n',
      '',
      '# only a comment\n',
      '  a: 1\n',
    ])
      expect(agreesWithFullParser(text), JSON.stringify(text)).to.equal('left to the full parser');
  });

  it('agrees with the yaml package on generated documents', () => {
    const next = seededRandom(17);
    let read = 0;
    const total = 3000;
    for (let i = 0; i < total; i++) if (agreesWithFullParser(generatedDocument(next)) === 'fast') read++;
    // Most generated documents hold something left to the full parser; enough are read fast.
    expect(read).to.be.greaterThan(total / 8);
  });

  it('never reads a damaged document differently from the yaml package, nor one it refuses', () => {
    const next = seededRandom(4242);
    const seeds = [
      readFileSync(join(ROOT, 'bench', 'specs', 'checks-50.yaml'), 'utf8'),
      readFileSync(join(ROOT, 'specs', 'debian-web-server.yaml'), 'utf8').slice(0, 4000),
      ...Array.from({ length: 40 }, () => generatedDocument(next)),
    ];
    let read = 0;
    const total = 20000;
    for (let i = 0; i < total; i++) {
      let text = seeds[i % seeds.length]!;
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) text = mutated(text, next);
      if (agreesWithFullParser(text) === 'fast') read++;
    }
    expect(read).to.be.greaterThan(total / 20);
  });
});
