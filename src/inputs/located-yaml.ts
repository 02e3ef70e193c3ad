import { Composer, isScalar, Lexer, LineCounter, Parser, visit, YAMLParseError, type CST, type Document } from 'yaml';
import { nextTurn } from '../io/next-turn.js';
import { SpecError } from './input-error.js';
import { withinDepth } from './yaml-depth.js';

export type Path = ReadonlyArray<string | number>;

/** Names `file:line:column` for a path inside a document. */
export interface Locator {
  at(path: Path): string;
}

/** Points at `file:line:column` for a path inside the document. */
export class SourceMap implements Locator {
  constructor(
    private readonly source: string,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  at(path: Path): string {
    const position = this.position(path);
    return position ? `${this.source}:${position.line}:${position.col}` : this.source;
  }

  /** The line and column (1-based) of the path, or of the nearest part of it that is written. */
  position(path: Path): { line: number; col: number } | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      const keyNode = depth === path.length ? this.keyNode(path) : undefined;
      const range = keyNode?.range ?? node?.range;
      if (range) return this.lines.linePos(range[0]);
    }
    return undefined;
  }

  /** For a missing or wrong key, the key itself is the better place to point at. */
  private keyNode(path: Path): { range?: [number, number, number] } | undefined {
    if (path.length === 0) return undefined;
    const parent = this.document.getIn(path.slice(0, -1), true) as
      | { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> }
      | undefined;
    const key = path[path.length - 1];
    return parent?.items?.find((item) => isScalar(item.key) && item.key.value === key)?.key;
  }
}

/**
 * Parses a YAML (or JSON) input file keeping positions, so that every later mistake can name
 * `file:line:column`. A syntax error, or nesting beyond MAX_YAML_DEPTH, is a SpecError at its own
 * position.
 */
export function parseLocatedYaml(
  text: string,
  source: string,
  options: { keepSourceTokens?: boolean } = {},
): { document: Document; where: SourceMap } {
  const lines = new LineCounter();
  const tokens = new Parser(lines.addNewLine).parse(text);
  return locatedDocument(tokens, text, source, lines, options.keepSourceTokens ?? false);
}

/**
 * A Locator for a text whose values were had without its positions (a spec read from the
 * cache): the text is parsed for them the first time a place is asked for, on a mistake.
 */
export function lazyLocator(text: string, source: string): Locator {
  let where: SourceMap | undefined;
  return {
    at(path) {
      where ??= parseLocatedYaml(text, source).where;
      return where.at(path);
    },
  };
}

/** How many tokens of the lexer the yielding parser reads between turns of the event loop. */
const LEXEMES_PER_TURN = 400;

/**
 * The same, for a large input read while connections are being made (a spec): the parser, which
 * takes tens of milliseconds over a file of some thousand lines before its code is optimised,
 * lets the event loop run between slices of the text, so that SSH handshakes move on meanwhile.
 */
export async function parseLocatedYamlYielding(
  text: string,
  source: string,
  options: { keepSourceTokens?: boolean } = {},
): Promise<{ document: Document; where: SourceMap }> {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  const tokens: CST.Token[] = [];
  let lexemes = 0;
  // What Parser.parse does, as the yaml package documents it, with the turns between slices.
  lines.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (++lexemes % LEXEMES_PER_TURN === 0) await nextTurn();
  }
  for (const token of parser.end()) tokens.push(token);
  return locatedDocument(tokens, text, source, lines, options.keepSourceTokens ?? false);
}

function locatedDocument(
  tokens: Iterable<CST.Token>,
  text: string,
  source: string,
  lines: LineCounter,
  keepSourceTokens: boolean,
): { document: Document; where: SourceMap } {
  const document = composeOneDocument(tokens, text, source, lines, keepSourceTokens);
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const pos = lines.linePos(syntaxError.pos[0]);
    throw new SpecError(`YAML syntax error: ${syntaxError.message.split('\n')[0]}`, `${source}:${pos.line}:${pos.col}`);
  }
  return { document, where: new SourceMap(source, document, lines) };
}

/**
 * What `parseDocument` of the yaml package does, with the nesting measured between its parser
 * and its composer.
 */
function composeOneDocument(
  parsed: Iterable<CST.Token>,
  text: string,
  source: string,
  lines: LineCounter,
  keepSourceTokens: boolean,
): Document {
  const composer = new Composer({ keepSourceTokens, uniqueKeys: true });
  const tokens = withinDepth(parsed, source, lines);
  let first: Document | undefined;
  for (const document of composer.compose(tokens, true, text.length)) {
    if (first === undefined) {
      first = document;
      continue;
    }
    const message = 'Source contains multiple documents; please use YAML.parseAllDocuments()';
    first.errors.push(new YAMLParseError([document.range[0], document.range[1]], 'MULTIPLE_DOCS', message));
    break;
  }
  return first!;
}

/**
 * `mode: 0640` is octal to a person but the integer 640 to YAML 1.2; keep such numbers as written
 * (the document must keep its source tokens). readPlainYamlMap reads them the same way.
 */
export function leadingZeroNumbersAsText(document: Document): void {
  visit(document, {
    Scalar(_key, node) {
      const written = (node.srcToken as { source?: string } | undefined)?.source;
      if (typeof node.value === 'number' && written && /^[-+]?0\d+$/.test(written)) node.value = written;
    },
  });
}

/** How many alias expansions a document may make, the `yaml` package's own default, stated. */
const MAX_ALIAS_COUNT = 100;

/**
 * The document as plain data. Aliases that would expand beyond MAX_ALIAS_COUNT copies (a
 * "billion laughs" document of a few hundred bytes growing to gigabytes) are refused.
 */
export function yamlValue(document: Document, source: string): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const unresolved = error instanceof ReferenceError ? /^Unresolved alias.*: (.*)$/.exec(error.message) : null;
    if (unresolved)
      throw new SpecError(
        `the YAML alias *${unresolved[1]} names no anchor (&${unresolved[1]}) written before it`,
        source,
      );
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      const message = `YAML aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies; write the values out`;
      throw new SpecError(message, source);
    }
    throw error;
  }
}
