import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_LINE_LENGTH = 120;
const CHECKED_FOLDERS = ['src', 'reporters', 'test', 'bench', 'scripts'];
const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs|sh|py|rb)$/;
/** Inputs kept as recorded, the generated HTML assets, and what is not in the repository. */
const SKIPPED = new Set(['test/fixtures', 'reporters/html/assets', 'reporters/html/assets.ts']);
const SKIPPED_NAMES = new Set(['node_modules', 'dist', 'test-output', 'scratch']);

function* sourceFiles(folder: string): Generator<string> {
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (SKIPPED.has(path) || SKIPPED_NAMES.has(entry.name)) continue;
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.isFile() && SOURCE_FILE.test(entry.name)) yield path;
  }
}

function longLines(files: Iterable<string>, readText: (path: string) => string): string[] {
  const found: string[] = [];
  for (const path of files) {
    readText(path)
      .split('\n')
      .forEach((line, index) => {
        if (line.length > MAX_LINE_LENGTH) found.push(`${path}:${index + 1} (${line.length} characters)`);
      });
  }
  return found;
}

describe('line length', () => {
  it(`finds the lines over ${MAX_LINE_LENGTH} characters, and no others`, () => {
    const texts: Record<string, string> = {
      'a.ts': `${'x'.repeat(MAX_LINE_LENGTH)}\n${'y'.repeat(MAX_LINE_LENGTH + 1)}\n`,
      'b.sh': `short\n\n${'→'.repeat(MAX_LINE_LENGTH)}`,
    };
    expect(longLines(Object.keys(texts), (path) => texts[path]!)).to.deep.equal(['a.ts:2 (121 characters)']);
  });

  it(`no line of source in ${CHECKED_FOLDERS.join(', ')} is longer than ${MAX_LINE_LENGTH} characters`, () => {
    const files = CHECKED_FOLDERS.flatMap((folder) => [...sourceFiles(folder)]);
    expect(files).to.include('src/index.ts');
    expect(files).to.include('test/unit/line-length.test.ts');
    expect(files).not.to.include('reporters/html/assets.ts');
    const found = longLines(files, (path) => readFileSync(join(ROOT, path), 'utf8'));
    expect(found, `lines over ${MAX_LINE_LENGTH} characters (rewrap them):\n${found.join('\n')}`).to.deep.equal([]);
  });
});
