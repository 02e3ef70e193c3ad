import { z } from 'zod';
import { FactError } from '../resource.js';

export const KeyValueOptionsSchema = z
  .object({
    /** What separates a key from its value: `whitespace` (the default) or the text itself, such as `=`. */
    separator: z.union([z.literal('whitespace'), z.string().min(1).max(8)]).optional(),
    /** A line whose first non-blank characters are this is a comment (default `#`). */
    comment: z.string().min(1).max(8).optional(),
    /** Which of a key given twice counts: `last` (the default; login.defs) or `first` (sshd_config). */
    duplicates: z.enum(['first', 'last']).optional(),
    /** Keys compared without regard to case (sshd_config's keywords). */
    ignoreCase: z.boolean().optional(),
    /** Stop reading at the first line with this key (sshd_config's `Match`: what follows is conditional). */
    endAt: z.string().min(1).optional(),
  })
  .strict();
export type KeyValueOptions = z.infer<typeof KeyValueOptionsSchema>;

/**
 * A file of `key value` (or `key<separator>value`) lines as a flat map. Blank lines and comment
 * lines are skipped; blanks around key and value are dropped, the value is the rest of the line
 * as written (quotes and inline comments included); a key without a value has the empty value.
 */
export function parseKeyValueDocument(text: string, path: string, options: KeyValueOptions): Record<string, string> {
  const separator = options.separator ?? 'whitespace';
  const comment = options.comment ?? '#';
  const fold = (key: string) => (options.ignoreCase ? key.toLowerCase() : key);
  const endAt = options.endAt === undefined ? undefined : fold(options.endAt);
  const document: Record<string, string> = Object.create(null);
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '' || line.startsWith(comment)) continue;
    const at = separator === 'whitespace' ? line.search(/\s/) : line.indexOf(separator);
    const width = separator === 'whitespace' ? 1 : separator.length;
    const key = fold((at === -1 ? line : line.slice(0, at)).trim());
    const value = at === -1 ? '' : line.slice(at + width).trim();
    if (key === '')
      throw new FactError(`${path}:${index + 1}:1: a line with a value but no key: ${JSON.stringify(line)}`);
    if (key === endAt) break;
    if (options.duplicates === 'first' && Object.hasOwn(document, key)) continue;
    document[key] = value;
  }
  return document;
}
