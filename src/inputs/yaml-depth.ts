import type { CST, LineCounter } from 'yaml';
import { SpecError } from './input-error.js';

/**
 * Collections nested deeper than this are refused. Real files nest a few levels (a spec about
 * seven); a hostile one nested a thousand levels deep overflows the stack of the recursive YAML
 * composer, and when that happens inside V8's regular-expression compiler the process aborts.
 */
export const MAX_YAML_DEPTH = 64;

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

interface CstNode {
  type?: string;
  offset?: number;
  key?: unknown;
  value?: unknown;
  items?: unknown[];
}

/**
 * Passes the parser's top-level tokens on, each once its nesting is measured. The parser builds
 * the syntax tree without recursion, and it is walked here with a stack of its own, so nothing
 * deep reaches the recursive composer.
 */
export function* withinDepth(tokens: Iterable<CST.Token>, source: string, lines: LineCounter): Generator<CST.Token> {
  for (const token of tokens) {
    refuseDeepNesting(token, source, lines);
    yield token;
  }
}

function refuseDeepNesting(token: CST.Token, source: string, lines: LineCounter): void {
  const stack: Array<[CstNode, number]> = [[token as CstNode, 0]];
  while (stack.length > 0) {
    const [node, outer] = stack.pop()!;
    const depth = node.type !== undefined && COLLECTIONS.has(node.type) ? outer + 1 : outer;
    if (depth > MAX_YAML_DEPTH) {
      const { line, col } = lines.linePos(node.offset ?? 0);
      throw new SpecError(`collections nested more than ${MAX_YAML_DEPTH} levels deep`, `${source}:${line}:${col}`);
    }
    for (const child of [node.key, node.value, ...(node.items ?? [])]) {
      if (child !== null && typeof child === 'object') stack.push([child as CstNode, depth]);
    }
  }
}
