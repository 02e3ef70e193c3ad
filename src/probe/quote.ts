/**
 * The one function that turns data into a shell word. Everything a spec names (paths, user
 * names, package names, command text) reaches the probe script only through here, so quotes,
 * `$(…)`, backticks, globs and newlines stay data.
 */
export function shellQuote(value: string | number): string {
  const text = String(value);
  if (text.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
