import { shellQuote } from '../../probe/quote.js';
import { TYPE_BY_FORMAT_BITS, type FileType } from '../file/index.js';
import type { InventoryGap, NamePredicate, StreamReader, StreamRequest } from '../inventory-part.js';
import { contentScript, contentStarts, keptText } from './inventory-content.js';

/**
 * The file-tree listing of a snapshot: a walk on the target that streams one record per file,
 * and the reader that turns the records into items as they arrive.
 */

/**
 * One recorded file (src/resources/file/inventory.ts has the schema); owner and group names are
 * added once the account databases are read.
 */
export interface WalkedFile {
  path: string;
  type: FileType;
  mode: string;
  uid: number;
  gid: number;
  size?: number;
  linkTarget?: string;
  sha256?: string;
  /** The text of a small text file that is no secret (inventory-content.ts). */
  content?: string;
  owner?: string | null;
  group?: string | null;
}

/**
 * The file-tree stream. Records (every field NUL-terminated):
 *   R root present|missing       one per root, first
 *   W gnu|portable|none reason   which walk runs
 *   M type mode uid gid size link path   (GNU find -printf: %y %m %U %G %s %l %p)
 *                                        and the regular files' paths to $ds_dir/walked-files (one walk)
 *   "<sha256>  <path>"                    (sha256sum -z, untagged: a tag is one letter)
 *   P hexmode+ids+size link sha256 path   (portable walk: stat -c, readlink, sha256sum per file)
 *   C path text                  the text of a small text file that is no secret (GNU walk only)
 *   S stage status               find / hashing exit status
 *   Z status                     end of stream, then a newline
 * Errors go to stderr, which follows as its own frame.
 */
export function fileWalkScript({ roots, ignores, portable, content }: StreamRequest): string {
  const rootWords = roots.map(shellQuote).join(' ');
  const prune =
    ignores.length > 0 ? `\\( ${ignores.map((glob) => `-path ${shellQuote(glob)}`).join(' -o ')} \\) -prune -o` : '';
  const portableWalk = `for f; do
  s=$(stat -c '%f %u %g %s' -- "$f") || continue
  l=; if [ -h "$f" ]; then l=$(readlink -- "$f"; echo .); l=\${l%.}; l=\${l%?}; fi
  h=; if [ -f "$f" ] && [ ! -h "$f" ]; then h=$(sha256sum <"$f") && h=\${h%% *} || h=; fi
  printf 'P\\000%s\\000%s\\000%s\\000%s\\000' "$s" "$l" "$h" "$f"
done`;
  // GNU find must be able to return to its starting directory: a login's home may not allow that
  // to another user (runuser, sudo -u).
  return `cd / || exit 1
set --
for ds_r in ${rootWords}; do
  if [ -e "$ds_r" ] || [ -h "$ds_r" ]; then printf 'R\\000%s\\000present\\000' "$ds_r"; set -- "$@" "$ds_r"
  else printf 'R\\000%s\\000missing\\000' "$ds_r"; fi
done
if [ $# -eq 0 ]; then printf 'W\\000none\\000no root exists\\000'
elif ${portable ? 'false' : 'true'} && find / -maxdepth 0 -printf '' >/dev/null 2>&1 \
&& printf '' | sha256sum -z >/dev/null 2>&1; then
  printf 'W\\000gnu\\000\\000'
  find "$@" ${prune} -printf 'M\\0%y\\0%m\\0%U\\0%G\\0%s\\0%l\\0%p\\0' -type f -fprint0 "$ds_dir/walked-files"
  printf 'S\\000walk\\000%s\\000' "$?"
  xargs -0 -r sha256sum -z -- <"$ds_dir/walked-files"
  printf 'S\\000hash\\000%s\\000' "$?"
  ${content ? contentScript(contentStarts(roots, content.trees), prune, content) : ''}
elif stat -c %f / >/dev/null 2>&1; then
  printf 'W\\000portable\\000\\000'
  find "$@" ${prune} -exec sh -c ${shellQuote(portableWalk)} sh {} +
  printf 'S\\000walk\\000%s\\000' "$?"
else
  printf 'W\\000none\\000%s\\000' 'neither GNU find -printf nor stat -c is available'
fi`;
}

/** GNU find's %y letters. */
const TYPE_BY_LETTER: Record<string, FileType> = {
  f: 'file',
  d: 'directory',
  l: 'symlink',
  s: 'socket',
  p: 'pipe',
  b: 'block_device',
  c: 'char_device',
};

/** Fields after the tag, per record tag (see fileWalkScript). */
const FIELD_COUNT: Record<string, number> = { R: 2, W: 2, M: 7, P: 4, S: 2, Z: 1, C: 2 };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Reads the file-tree stream record by record as it arrives. Memory holds one entry per recorded
 * path, never the raw output.
 */
export class FileTreeReader implements StreamReader<WalkedFile> {
  private readonly entries = new Map<string, WalkedFile>();
  private readonly gaps: InventoryGap[] = [];
  private readonly missingRoots: string[] = [];
  private record: string[] = [];
  private walk: { kind: 'gnu' | 'portable' | 'none'; reason: string } | undefined;
  private readonly stageStatus = new Map<string, number>();
  private endStatus: number | undefined;
  /** Decoded fields whose bytes were not UTF-8 (JSON cannot carry them exactly). */
  private readonly notUtf8 = new Set<string>();

  constructor(private readonly ignored: NamePredicate) {}

  token(token: Buffer): 'more' | 'end' {
    // A text's bytes are checked against the file's hash, never decoded as a name.
    if (this.record.length === 2 && this.record[0] === 'C') {
      this.addContent(this.record[1]!, token);
      this.record = [];
      return 'more';
    }
    const text = this.decode(token);
    // sha256sum -z lines come untagged; a tag is one letter, a hash line never is.
    if (this.record.length === 0 && text.length > 1) {
      this.addHash(text);
      return 'more';
    }
    this.record.push(text);
    const tag = this.record[0]!;
    const wanted = FIELD_COUNT[tag];
    if (wanted === undefined) throw new Error(`unknown record ${JSON.stringify(tag.slice(0, 40))}`);
    if (this.record.length < wanted + 1) return 'more';
    const fields = this.record.slice(1);
    this.record = [];
    return this.apply(tag, fields);
  }

  private decode(token: Buffer): string {
    try {
      return strictUtf8.decode(token);
    } catch {
      const text = lenientUtf8.decode(token);
      this.notUtf8.add(text);
      return text;
    }
  }

  private apply(tag: string, fields: string[]): 'more' | 'end' {
    switch (tag) {
      case 'R':
        if (fields[1] === 'missing') this.missingRoots.push(fields[0]!);
        else if (fields[1] !== 'present') throw new Error(`unexpected root state ${JSON.stringify(fields[1])}`);
        return 'more';
      case 'W':
        if (fields[0] !== 'gnu' && fields[0] !== 'portable' && fields[0] !== 'none')
          throw new Error(`unexpected walk ${JSON.stringify(fields[0])}`);
        this.walk = { kind: fields[0], reason: fields[1]! };
        return 'more';
      case 'M':
        this.addGnuEntry(fields);
        return 'more';
      case 'P':
        this.addPortableEntry(fields);
        return 'more';
      case 'S':
        this.stageStatus.set(fields[0]!, statusNumber(fields[1]!));
        return 'more';
      default:
        this.endStatus = statusNumber(fields[0]!);
        return 'end';
    }
  }

  private add(entry: WalkedFile): void {
    if (this.ignored(entry.path)) return;
    this.entries.set(entry.path, entry);
    if (this.notUtf8.has(entry.path) || (entry.linkTarget !== undefined && this.notUtf8.has(entry.linkTarget))) {
      this.gaps.push({
        kind: 'files',
        path: entry.path,
        reason:
          'its name or link target is not valid UTF-8, ' +
          'so it is recorded with U+FFFD in place of the bytes it cannot show',
      });
    }
  }

  private addGnuEntry([letter = '', mode = '', uid = '', gid = '', size = '', link = '', path = '']: string[]): void {
    const type = TYPE_BY_LETTER[letter];
    if (!type) throw new Error(`unexpected file type ${JSON.stringify(letter)} for ${JSON.stringify(path)}`);
    if (!/^[0-7]{1,4}$/.test(mode))
      throw new Error(`unexpected mode ${JSON.stringify(mode)} for ${JSON.stringify(path)}`);
    this.add(walkedFile(path, type, parseInt(mode, 8), uid, gid, size, link));
  }

  private addPortableEntry([stat = '', link = '', sha256 = '', path = '']: string[]): void {
    const match = /^([0-9a-f]+) (\d+) (\d+) (\d+)$/.exec(stat);
    if (!match) throw new Error(`unexpected stat output ${JSON.stringify(stat)} for ${JSON.stringify(path)}`);
    const bits = parseInt(match[1]!, 16);
    const type = TYPE_BY_FORMAT_BITS.get(bits & 0o170000);
    if (!type) throw new Error(`unknown file type bits ${match[1]} for ${JSON.stringify(path)}`);
    const entry = walkedFile(path, type, bits & 0o7777, match[2]!, match[3]!, match[4]!, link);
    if (type === 'file' && sha256 !== '') entry.sha256 = checkedHash(sha256, path);
    this.add(entry);
  }

  private addContent(path: string, bytes: Buffer): void {
    const entry = this.entries.get(path);
    if (entry?.type !== 'file') return;
    const text = keptText(bytes, entry.sha256);
    if (text !== undefined) entry.content = text;
  }

  /** sha256sum -z: "<64 hex>  <path>" (two spaces; " *" in binary mode), no escaping. */
  private addHash(line: string): void {
    const match = /^([0-9a-f]{64}) [ *]([\s\S]+)$/.exec(line);
    if (!match) throw new Error(`unexpected sha256sum output ${JSON.stringify(line.slice(0, 200))}`);
    const entry = this.entries.get(match[2]!);
    // A file that appeared between the walk and the hashing is not in the snapshot.
    if (entry && entry.type === 'file') entry.sha256 = match[1]!;
  }

  /** The entries and every gap, once the stream has ended (or stopped); `errors` is the walk's stderr. */
  finish(ended: boolean, errors: string): { items: WalkedFile[]; gaps: InventoryGap[] } {
    const gaps = [...this.gaps];
    const errorLines = errors.split('\n').filter((line) => line.trim() !== '');
    for (const root of this.missingRoots)
      gaps.push({ kind: 'files', path: root, reason: 'this file root does not exist on the target' });
    if (ended && this.walk?.kind === 'none' && this.missingRoots.length === 0)
      gaps.push({ kind: 'files', reason: `the file trees could not be walked: ${this.walk.reason}` });
    for (const line of errorLines) {
      const gap = errorGap(line);
      // A file that could not be hashed gets its own gap below, quoting this line.
      if (!(line.startsWith('sha256sum:') && gap.path !== undefined && this.entries.has(gap.path))) gaps.push(gap);
    }
    const knownFailure = errorLines.length > 0 || !ended;
    for (const [stage, status] of this.stageStatus) {
      if (status !== 0 && !knownFailure)
        gaps.push({ kind: 'files', reason: `the ${stage} stage exited ${status} without saying why` });
    }
    if (ended && this.endStatus !== 0 && this.endStatus !== undefined && !knownFailure && this.stageStatus.size === 0) {
      gaps.push({ kind: 'files', reason: `the file walk exited ${this.endStatus}` });
    }
    const files = [...this.entries.values()];
    if (ended) {
      for (const file of files) {
        if (file.type === 'file' && file.sha256 === undefined) {
          const said = errorLines.find((line) => errorGap(line).path === file.path);
          gaps.push({
            kind: 'files',
            path: file.path,
            reason: `its content could not be read, so it has no sha256${said ? `: ${said}` : ''}`,
          });
        }
      }
    }
    return { items: files, gaps };
  }
}

function walkedFile(
  path: string,
  type: FileType,
  mode: number,
  uid: string,
  gid: string,
  size: string,
  link: string,
): WalkedFile {
  if (!path.startsWith('/')) throw new Error(`a recorded path is not absolute: ${JSON.stringify(path)}`);
  const entry: WalkedFile = {
    path,
    type,
    mode: mode.toString(8).padStart(4, '0'),
    uid: idNumber(uid, path),
    gid: idNumber(gid, path),
  };
  if (type === 'file' || type === 'symlink') entry.size = idNumber(size, path);
  if (type === 'symlink') entry.linkTarget = link;
  return entry;
}

function idNumber(text: string, path: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`unexpected number ${JSON.stringify(text)} for ${JSON.stringify(path)}`);
  return Number(text);
}

function statusNumber(text: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`unexpected exit status ${JSON.stringify(text)}`);
  return Number(text);
}

function checkedHash(text: string, path: string): string {
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new Error(`unexpected sha256 ${JSON.stringify(text)} for ${JSON.stringify(path)}`);
  return text;
}

/** GNU find (C locale) quotes the path: "find: '/etc/ssl/private': Permission denied". */
function errorGap(line: string): InventoryGap {
  const quoted = /^find: '(.*)': (.+)$/.exec(line) ?? /^(?:sha256sum|stat|readlink): (\/.*): (.+)$/.exec(line);
  if (quoted) return { kind: 'files', path: quoted[1]!, reason: quoted[2]! };
  return { kind: 'files', reason: line.length > 500 ? `${line.slice(0, 500)}…` : line };
}
