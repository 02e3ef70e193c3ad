import { createHash } from 'node:crypto';
import { z } from 'zod';
import { shellQuote } from '../../probe/quote.js';
import {
  DEFAULT_CONTENT_LIMIT,
  DEFAULT_CONTENT_TREES,
  DEFAULT_SECRET_GLOBS,
  MAX_CONTENT_LIMIT,
} from './content-defaults.js';

/**
 * The text a snapshot keeps of small text files, so drift can show the lines that changed. What
 * is a secret is decided on the target, before any byte of the file leaves it: a file whose text
 * is sent is regular, readable by others, at most `limit` bytes, under a content tree, matching
 * no secret glob, holding no PEM private key and no NUL byte. Everything else keeps its hash only.
 */

export const FileContentSettingsSchema = z
  .object({
    /** Absolute trees whose small text files keep their text. */
    trees: z.array(z.string().refine((path) => path.startsWith('/'), 'not an absolute path')),
    /** Largest file, in bytes, whose text is kept. */
    limit: z.number().int().nonnegative().max(MAX_CONTENT_LIMIT),
    /** Paths whose text is never kept. */
    secrets: z.array(z.string()),
  })
  .strict()
  .describe('Which files keep their text (small text files for content diffs); absent in older snapshots.');
export type FileContentSettings = z.infer<typeof FileContentSettingsSchema>;

export const DEFAULT_FILE_CONTENT: FileContentSettings = {
  trees: [...DEFAULT_CONTENT_TREES],
  limit: DEFAULT_CONTENT_LIMIT,
  secrets: [...DEFAULT_SECRET_GLOBS],
};

function atOrBelow(path: string, root: string): boolean {
  if (root === '/') return true;
  return path === root || path.startsWith(`${root}/`);
}

/** The trees to read text from: the content trees within the walked roots, or the roots within them. */
export function contentStarts(roots: readonly string[], trees: readonly string[]): string[] {
  const starts = new Set<string>();
  for (const root of roots) {
    if (trees.some((tree) => atOrBelow(root, tree))) starts.add(root);
    else for (const tree of trees) if (atOrBelow(tree, root)) starts.add(tree);
  }
  return [...starts];
}

/**
 * Records `C path text` for each file whose text may leave the target (GNU find, grep and xargs;
 * the walk's GNU branch runs it). The text is read by one perl per batch where perl is installed
 * (on every Debian system: perl-base is essential), else by `head | tr` per file, two processes a
 * file. Both drop a NUL that appears after the checks, which keeps it out of the stream; the
 * reader then finds the text does not match the hash and drops it.
 */
export function contentScript(
  starts: readonly string[],
  prune: string,
  content: { limit: number; secrets: readonly string[] },
): string {
  if (starts.length === 0 || content.limit === 0) return '';
  const paths = content.secrets.map((glob) => `-path ${shellQuote(glob)}`).join(' -o ');
  const secrets = content.secrets.length > 0 ? `! \\( ${paths} \\)` : '';
  const starting = starts.map(shellQuote).join(' ');
  return `find ${starting} ${prune} -type f -perm -0004 -size -${content.limit + 1}c ${secrets} \
-print0 2>/dev/null | xargs -0 -r grep -L -Z -F -e 'PRIVATE KEY' -- 2>/dev/null \
| xargs -0 -r grep -I -l -Z -e '' -- 2>/dev/null | ${textRecords(content.limit)}`;
}

/** Reads the NUL-separated paths on stdin and writes each one's `C` record (see contentScript). */
function textRecords(limit: number): string {
  const perl =
    'for my $f (@ARGV) { my $t = ""; ' +
    'if (open(my $h, "<", $f)) { binmode $h; ' +
    `defined(read($h, $t, ${limit})) or warn "cannot read $f: $!\\n" } ` +
    'else { warn "cannot open $f: $!\\n" } ' +
    '$t =~ tr/\\0//d; print "C\\0$f\\0$t\\0" }';
  const shell = `for f; do printf 'C\\000%s\\000' "$f"; head -c ${limit} -- "$f" | tr -d '\\000'; printf '\\000'; done`;
  return `if command -v perl >/dev/null 2>&1; then xargs -0 -r perl -e ${shellQuote(perl)} --; \
else xargs -0 -r sh -c ${shellQuote(shell)} sh; fi`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a `C` record, if it is UTF-8 and is the content the hash was taken of. */
export function keptText(bytes: Uint8Array, sha256: string | undefined): string | undefined {
  if (sha256 === undefined) return undefined;
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
