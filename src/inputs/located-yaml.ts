import { isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { SpecError } from './input-error.js';

export type Path = ReadonlyArray<string | number>;

/** Points at `file:line:column` for a path inside the document. */
export class SourceMap {
  constructor(
    private readonly source: string,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  at(path: Path): string {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      const keyNode = depth === path.length ? this.keyNode(path) : undefined;
      const range = keyNode?.range ?? node?.range;
      if (range) {
        const { line, col } = this.lines.linePos(range[0]);
        return `${this.source}:${line}:${col}`;
      }
    }
    return this.source;
  }

  /** For a missing or wrong key, the key itself is the better place to point at. */
  private keyNode(path: Path): { range?: [number, number, number] } | undefined {
    if (path.length === 0) return undefined;
    const parent = this.document.getIn(path.slice(0, -1), true) as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | undefined;
    const key = path[path.length - 1];
    return parent?.items?.find((item) => isScalar(item.key) && item.key.value === key)?.key;
  }
}

/**
 * Parses a YAML (or JSON) input file keeping positions, so that every later mistake can name
 * `file:line:column`. A syntax error is a SpecError at its own position.
 */
export function parseLocatedYaml(
  text: string,
  source: string,
  options: { keepSourceTokens?: boolean } = {},
): { document: Document; where: SourceMap } {
  const lines = new LineCounter();
  const document = parseDocument(text, {
    lineCounter: lines,
    keepSourceTokens: options.keepSourceTokens ?? false,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const pos = lines.linePos(syntaxError.pos[0]);
    throw new SpecError(`YAML syntax error: ${syntaxError.message.split('\n')[0]}`, `${source}:${pos.line}:${pos.col}`);
  }
  return { document, where: new SourceMap(source, document, lines) };
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
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      const message = `YAML aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies; write the values out`;
      throw new SpecError(message, source);
    }
    throw error;
  }
}
