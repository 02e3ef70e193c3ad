/**
 * A small reader for declarative Jenkinsfiles: tokens (strings decoded, comments dropped) and the structures the
 * pipeline example tests look at. Not a Groovy parser: slashy strings and GString nesting are not understood,
 * and an unterminated string or comment is an error rather than a guess.
 */

export interface GroovyToken {
  kind: 'word' | 'string' | 'punct';
  /** A word or punctuation as written; a string's content with its escapes decoded. */
  text: string;
  line: number;
  /** The delimiter of a string: `'`, `"`, `'''` or `"""`. */
  quote?: string;
}

const OPERATORS = ['==', '!=', '>=', '<=', '&&', '||', '->', '?.', '?:', '++', '--'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', $: '$' };
const BRACKETS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

function decodeEscapes(raw: string): string {
  return raw.replace(/\\(\n|.)/g, (_match, next: string) => (next === '\n' ? '' : (ESCAPES[next] ?? `\\${next}`)));
}

/** The index just past the closing delimiter of a string whose opening delimiter ends at `start`. */
function stringEnd(source: string, start: number, quote: string, line: number): number {
  for (let i = start; i < source.length; i++) {
    if (source[i] === '\\') {
      i++;
    } else if (source.startsWith(quote, i)) {
      return i + quote.length;
    } else if (source[i] === '\n' && quote.length === 1) {
      break;
    }
  }
  throw new Error(`line ${line}: unterminated string (${quote})`);
}

function countLines(text: string): number {
  return text.split('\n').length - 1;
}

export function tokenizeGroovy(source: string): GroovyToken[] {
  const tokens: GroovyToken[] = [];
  let line = 1;
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i, i + 3);
    const char = source[i]!;
    let end: number;
    if (/\s/.test(char)) {
      end = i + 1;
    } else if (rest.startsWith('//')) {
      end = source.indexOf('\n', i);
      if (end === -1) end = source.length;
    } else if (rest.startsWith('/*')) {
      end = source.indexOf('*/', i + 2) + 2;
      if (end === 1) throw new Error(`line ${line}: unterminated comment`);
    } else if (char === "'" || char === '"') {
      const quote = rest === char.repeat(3) ? rest : char;
      end = stringEnd(source, i + quote.length, quote, line);
      const raw = source.slice(i + quote.length, end - quote.length);
      tokens.push({ kind: 'string', text: decodeEscapes(raw), line, quote });
    } else if (/[A-Za-z_$0-9]/.test(char)) {
      end = i + /^[\w$]+/.exec(source.slice(i))![0].length;
      tokens.push({ kind: 'word', text: source.slice(i, end), line });
    } else {
      const operator = OPERATORS.find((candidate) => source.startsWith(candidate, i)) ?? char;
      end = i + operator.length;
      tokens.push({ kind: 'punct', text: operator, line });
    }
    line += countLines(source.slice(i, end));
    i = end;
  }
  return tokens;
}

/** The index of the bracket that closes the one at `open`. */
export function matchingClose(tokens: GroovyToken[], open: number): number {
  const opening = tokens[open]!.text;
  const closing = BRACKETS[opening];
  if (!closing) throw new Error(`line ${tokens[open]!.line}: ${opening} is not an opening bracket`);
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== 'punct') continue;
    if (token.text === opening) depth++;
    if (token.text === closing && --depth === 0) return i;
  }
  throw new Error(`line ${tokens[open]!.line}: ${opening} is never closed`);
}

function isPunct(token: GroovyToken | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

function isWord(token: GroovyToken | undefined, text?: string): boolean {
  return token?.kind === 'word' && (text === undefined || token.text === text);
}

/** The names of `stage('…')` blocks, in file order. */
export function stageNames(tokens: GroovyToken[]): string[] {
  const names: string[] = [];
  tokens.forEach((token, i) => {
    const name = tokens[i + 2];
    if (isWord(token, 'stage') && isPunct(tokens[i + 1], '(') && name?.kind === 'string') names.push(name.text);
  });
  return names;
}

/** The tokens of the `{ … }` block that follows `name` (or `name(…)`) first after `from`. */
export function blockAfter(tokens: GroovyToken[], name: string, from = 0): GroovyToken[] | undefined {
  for (let i = from; i < tokens.length; i++) {
    if (!isWord(tokens[i], name)) continue;
    let open = i + 1;
    if (isPunct(tokens[open], '(')) open = matchingClose(tokens, open) + 1;
    if (isPunct(tokens[open], '{')) return tokens.slice(open + 1, matchingClose(tokens, open));
  }
  return undefined;
}

/** The body of the stage named `name`. */
export function stageBody(tokens: GroovyToken[], name: string): GroovyToken[] | undefined {
  const start = tokens.findIndex((token, i) => isWord(token, 'stage') && tokens[i + 2]?.text === name);
  return start === -1 ? undefined : blockAfter(tokens, 'stage', start);
}

/** Named arguments (`name: value`) at the top level of the call whose `(` is at `open`. */
function namedArguments(tokens: GroovyToken[], open: number): Map<string, GroovyToken> {
  const close = matchingClose(tokens, open);
  const named = new Map<string, GroovyToken>();
  let depth = 0;
  for (let i = open + 1; i < close; i++) {
    const token = tokens[i]!;
    if (token.kind === 'punct' && token.text in BRACKETS) depth++;
    if (token.kind === 'punct' && Object.values(BRACKETS).includes(token.text)) depth--;
    if (depth === 0 && isWord(token) && isPunct(tokens[i + 1], ':')) named.set(token.text, tokens[i + 2]!);
  }
  return named;
}

export interface ShellStep {
  line: number;
  script: string;
  quote: string;
  returnStatus: boolean;
  /** The variable the status is assigned to (`int status = sh(…)`), if it is. */
  statusVariable?: string;
  /** Index of the `sh` token. */
  index: number;
}

/** Every `sh '…'` and `sh(…)` step. */
export function shellSteps(tokens: GroovyToken[]): ShellStep[] {
  const steps: ShellStep[] = [];
  tokens.forEach((token, i) => {
    if (!isWord(token, 'sh') || isPunct(tokens[i - 1], '.')) return;
    const next = tokens[i + 1];
    if (next?.kind === 'string') {
      steps.push({ line: token.line, script: next.text, quote: next.quote!, returnStatus: false, index: i });
      return;
    }
    if (!isPunct(next, '(')) return;
    const named = namedArguments(tokens, i + 1);
    const script = named.get('script') ?? tokens[i + 2];
    if (script?.kind !== 'string') throw new Error(`line ${token.line}: sh step without a script string`);
    const assigned = isPunct(tokens[i - 1], '=') && isWord(tokens[i - 2]) ? tokens[i - 2]!.text : undefined;
    steps.push({
      line: token.line,
      script: script.text,
      quote: script.quote!,
      returnStatus: named.get('returnStatus')?.text === 'true',
      ...(assigned ? { statusVariable: assigned } : {}),
      index: i,
    });
  });
  return steps;
}

/** The index of the `{` of the innermost block around `index`. */
function enclosingBlockStart(tokens: GroovyToken[], index: number): number {
  let depth = 0;
  for (let i = index - 1; i >= 0; i--) {
    if (isPunct(tokens[i], '}')) depth++;
    if (isPunct(tokens[i], '{') && depth-- === 0) return i;
  }
  return -1;
}

/** Top-level method definitions (`Type name(params) { … }` outside the pipeline block) by name. */
export function methodBodies(tokens: GroovyToken[]): Map<string, GroovyToken[]> {
  const methods = new Map<string, GroovyToken[]>();
  let i = 0;
  while (i < tokens.length) {
    const isDefinition =
      isWord(tokens[i]) && isWord(tokens[i + 1]) && isPunct(tokens[i + 2], '(') && !isWord(tokens[i], 'new');
    if (!isDefinition) {
      i = tokens[i]!.kind === 'punct' && tokens[i]!.text in BRACKETS ? matchingClose(tokens, i) + 1 : i + 1;
      continue;
    }
    const open = matchingClose(tokens, i + 2) + 1;
    if (!isPunct(tokens[open], '{')) {
      i = open;
      continue;
    }
    const close = matchingClose(tokens, open);
    methods.set(tokens[i + 1]!.text, tokens.slice(open + 1, close));
    i = close + 1;
  }
  return methods;
}

/** The method whose call's argument list holds `index` directly (`act(status)`), if any. */
function callReceiving(tokens: GroovyToken[], index: number): string | undefined {
  const open = tokens[index - 1];
  const name = tokens[index - 2];
  const after = tokens[index + 1];
  const isSoleOrFirst = isPunct(open, '(') && (isPunct(after, ')') || isPunct(after, ','));
  return isSoleOrFirst && isWord(name) ? name!.text : undefined;
}

/** Whether `index` is inside the parenthesised condition of an `if` or `switch`. */
function inCondition(tokens: GroovyToken[], index: number): boolean {
  let depth = 0;
  for (let i = index - 1; i >= 0 && !isPunct(tokens[i], '{') && !isPunct(tokens[i], '}'); i--) {
    if (isPunct(tokens[i], ')')) depth++;
    if (isPunct(tokens[i], '(') && depth-- === 0 && (isWord(tokens[i - 1], 'if') || isWord(tokens[i - 1], 'switch'))) {
      return true;
    }
  }
  return false;
}

export interface StatusUse {
  step: ShellStep;
  /** Methods of the file the status is handed to. */
  handedTo: string[];
  /** Whether an `if` or `switch` in the same block tests the status. */
  tested: boolean;
}

/** Where the status of every `sh(returnStatus: true)` step is read after the step, in the step's own block. */
export function statusUses(tokens: GroovyToken[]): StatusUse[] {
  const methods = methodBodies(tokens);
  return shellSteps(tokens)
    .filter((step) => step.returnStatus)
    .map((step) => {
      const uses: StatusUse = { step, handedTo: [], tested: false };
      if (!step.statusVariable) return uses;
      const blockEnd = matchingClose(tokens, enclosingBlockStart(tokens, step.index));
      const callEnd = matchingClose(tokens, step.index + 1);
      for (let i = callEnd + 1; i < blockEnd; i++) {
        if (!isWord(tokens[i], step.statusVariable) || isPunct(tokens[i + 1], '=')) continue;
        const receiver = callReceiving(tokens, i);
        if (receiver && methods.has(receiver)) uses.handedTo.push(receiver);
        if (inCondition(tokens, i)) uses.tested = true;
      }
      return uses;
    });
}

/** What a `sh(returnStatus: true)` step does wrong with its status, one message per step; empty when all act. */
export function ignoredStatuses(tokens: GroovyToken[]): string[] {
  return statusUses(tokens).flatMap(({ step, handedTo, tested }) => {
    if (!step.statusVariable) return [`line ${step.line}: the status of sh(returnStatus: true) is not kept`];
    if (handedTo.length === 0 && !tested) {
      return [
        `line ${step.line}: status ${step.statusVariable} is never tested nor handed to a method that acts on it`,
      ];
    }
    return [];
  });
}

export interface Decision {
  /** `case 1`, `default`, or `if <condition>`. */
  when: string;
  /** Methods and steps the branch calls (`error`, `unstable`, …), `return` included. */
  calls: string[];
}

function callsIn(tokens: GroovyToken[]): string[] {
  return tokens.flatMap((token, i) =>
    isWord(token) && (isPunct(tokens[i + 1], '(') || token.text === 'return') ? [token.text] : [],
  );
}

function switchDecisions(body: GroovyToken[]): Decision[] {
  const decisions: Decision[] = [];
  let current: Decision | undefined;
  let branchStart = 0;
  const close = (end: number) => {
    if (current) decisions.push({ ...current, calls: callsIn(body.slice(branchStart, end)) });
  };
  body.forEach((token, i) => {
    const isLabel = isWord(token, 'case') || (isWord(token, 'default') && isPunct(body[i + 1], ':'));
    if (!isLabel) return;
    close(i);
    const colon = body.findIndex((candidate, j) => j > i && isPunct(candidate, ':'));
    const label = body.slice(i + 1, colon).map((part) => part.text);
    current = { when: [token.text, ...label].join(' '), calls: [] };
    branchStart = colon + 1;
  });
  close(body.length);
  return decisions;
}

function ifDecisions(body: GroovyToken[]): Decision[] {
  const decisions: Decision[] = [];
  body.forEach((token, i) => {
    if (!isWord(token, 'if') || !isPunct(body[i + 1], '(')) return;
    const conditionEnd = matchingClose(body, i + 1);
    if (!isPunct(body[conditionEnd + 1], '{')) throw new Error(`line ${token.line}: an if without a block`);
    const blockEnd = matchingClose(body, conditionEnd + 1);
    const condition = body
      .slice(i + 2, conditionEnd)
      .map((part) => (part.kind === 'string' ? `'${part.text}'` : part.text))
      .join(' ');
    decisions.push({ when: `if ${condition}`, calls: callsIn(body.slice(conditionEnd + 2, blockEnd)) });
  });
  return decisions;
}

/** The branches of a method: its `switch` cases, else its `if` blocks. */
export function decisionsOf(body: GroovyToken[]): Decision[] {
  const switchBlock = blockAfter(body, 'switch');
  return switchBlock ? switchDecisions(switchBlock) : ifDecisions(body);
}

const CREDENTIAL_VARIABLE_KEYS = ['keyFileVariable', 'usernameVariable', 'passwordVariable', 'passphraseVariable'];

/** The environment variable names `withCredentials` bindings put secrets (or secret files) in. */
export function credentialVariables(tokens: GroovyToken[]): string[] {
  const names: string[] = [];
  tokens.forEach((token, i) => {
    if (!isWord(token, 'withCredentials') || !isPunct(tokens[i + 1], '(')) return;
    const close = matchingClose(tokens, i + 1);
    for (let j = i + 2; j < close; j++) {
      const key = tokens[j]!;
      const isBinding = isWord(key) && (CREDENTIAL_VARIABLE_KEYS.includes(key.text) || key.text === 'variable');
      if (isBinding && isPunct(tokens[j + 1], ':') && tokens[j + 2]?.kind === 'string') names.push(tokens[j + 2]!.text);
    }
  });
  return [...new Set(names)];
}

/** The arguments of every `echo` step, as text. */
export function echoedTexts(tokens: GroovyToken[]): string[] {
  return tokens.flatMap((token, i) => {
    if (!isWord(token, 'echo')) return [];
    const start = isPunct(tokens[i + 1], '(') ? i + 2 : i + 1;
    const end = isPunct(tokens[i + 1], '(') ? matchingClose(tokens, i + 1) : i + 2;
    return [
      tokens
        .slice(start, end)
        .map((part) => part.text)
        .join(' '),
    ];
  });
}
