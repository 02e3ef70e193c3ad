import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// What the tests of a documentation page's examples share: its fenced blocks, and type-checking
// them as written against the sources.

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/** The text of each ```language block of `page`, in order. */
export function fencedBlocks(page: string, language: string): string[] {
  const fence = '```';
  return [...page.matchAll(new RegExp(`^${fence}${language}\\n([\\s\\S]*?)^${fence}`, 'gm'))].map((match) => match[1]!);
}

/**
 * Type-checks each block as a module of its own in `dir`, with the repository's compiler options
 * and `paths` mapping package names to source files; tsc's status and output.
 */
export function typecheckBlocks(
  blocks: readonly string[],
  dir: string,
  paths: Record<string, string[]>,
  types?: string[],
): { status: number | null; stdout: string } {
  mkdirSync(dir, { recursive: true });
  for (const [index, code] of blocks.entries()) writeFileSync(join(dir, `example-${index + 1}.mts`), code);
  const config = {
    extends: join(REPO, 'tsconfig.json'),
    compilerOptions: {
      noEmit: true,
      rootDir: '/',
      typeRoots: [join(REPO, 'node_modules', '@types')],
      ...(types ? { types } : {}),
      paths,
    },
    include: [join(dir, '*.mts')],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
  const tsc = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8', timeout: 100_000 });
  return { status: tsc.status, stdout: tsc.stdout };
}
