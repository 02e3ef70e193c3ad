/** ANSI colours for a terminal report; with `enabled` false every colour returns the text unchanged. */
export function painter(enabled: boolean) {
  const wrap = (code: string) => (text: string) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    red: wrap('31'),
    green: wrap('32'),
    yellow: wrap('33'),
    cyan: wrap('36'),
    dim: wrap('2'),
    bold: wrap('1'),
  };
}

export type Painter = ReturnType<typeof painter>;

/** The values of FORCE_COLOR that turn colour on, as Node.js reads them; any other value turns it off. */
const FORCE_COLOR_ON = new Set(['', '1', '2', '3', 'true']);

/**
 * Whether a report written to `stream` is coloured, first rule that applies:
 * FORCE_COLOR set (`1`, `2`, `3`, `true` or empty: on, anywhere; any other value such as `0`: off),
 * NO_COLOR set and not empty (off), TERM=dumb (off), else colour only on a terminal.
 * FORCE_COLOR wins over NO_COLOR as in Node.js: it is the more specific request (a CI job's own
 * setting against a machine-wide default). docs/cli.md, "Colour".
 */
export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return FORCE_COLOR_ON.has(force.trim().toLowerCase());
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
