import { lstatSync, readFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { EXIT } from '../../gate/exit-codes.js';
import { readInputFile } from '../../inputs/read.js';
import { prepareFileAtomically, type PreparedFile } from '../../io/atomic-write.js';
import { packageRoot } from '../../version.js';
import type { InitFlags } from '../flags.js';
import { mergeScripts, newPackageJson } from '../init/package-json.js';
import type { CliIo } from '../io.js';
import { usageError } from '../usage.js';

/** A scaffolded file: where it goes in the project, and its template under templates/init/. */
interface ScaffoldFile {
  path: string;
  template: string;
  typescript?: true;
}

/**
 * Named to sit beside a project's own files: its tsconfig.json and .mocharc.* stay its own (mocha reads
 * `.mocharc.infra.json` only when told to, and `--no-package` keeps the project's package.json mocha options
 * out). Templates are stored without a leading dot: a packed package keeps them whatever its ignore rules.
 */
const SCAFFOLD: readonly ScaffoldFile[] = [
  { path: 'specs/local-machine.yaml', template: 'specs/local-machine.yaml' },
  { path: 'specs/accounts.ts', template: 'specs/accounts.ts', typescript: true },
  { path: 'specs/tsconfig.json', template: 'tsconfig.json', typescript: true },
  { path: 'test/infra.test.mjs', template: 'test/infra.test.mjs' },
  { path: '.mocharc.infra.json', template: 'mocharc.json' },
];

export const INIT_SCRIPTS: Readonly<Record<string, string>> = {
  infra: 'driftspec run specs/',
  'test:infra': 'mocha --config .mocharc.infra.json --no-package',
};

interface PlannedFile {
  path: string;
  content: string;
}

/**
 * `driftspec init [dir]`: the scaffold's files and the package.json scripts, all written or none. A file or
 * script that is already there (with another command) stops it before anything is written, unless --force.
 */
export async function initCommand(dir: string, flags: InitFlags, io: CliIo): Promise<number> {
  const root = resolve(io.cwd, dir);
  const files = SCAFFOLD.filter((file) => !(flags.yamlOnly && file.typescript));
  const existingFiles = files.filter((file) => pathExists(join(root, file.path))).map((file) => file.path);
  const manifest = packageJsonFor(root, join(dir, 'package.json'), io.cwd);
  const refused = [...existingFiles, ...manifest.conflicts.map((name) => `package.json script "${name}"`)];
  if (refused.length > 0 && !flags.force)
    throw usageError(`refusing to overwrite (add --force): ${refused.join(', ')}; nothing was written`);
  const templates = join(packageRoot(), 'templates', 'init');
  const planned: PlannedFile[] = files.map((file) => ({
    path: file.path,
    content: readFileSync(join(templates, file.template), 'utf8'),
  }));
  if (manifest.text !== undefined) planned.push({ path: 'package.json', content: manifest.text });
  await writeAllOrNothing(root, planned);
  io.stdout.write(report(dir, planned, refused.length > 0));
  return EXIT.passed;
}

/** The package.json to write (none when every script is already there), and the scripts it would replace. */
function packageJsonFor(root: string, shown: string, cwd: string): { text?: string; conflicts: string[] } {
  if (!pathExists(join(root, 'package.json')))
    return { text: newPackageJson(basename(root), INIT_SCRIPTS), conflicts: [] };
  const before = readInputFile(shown, 'packageJson', cwd);
  const merge = mergeScripts(before, INIT_SCRIPTS, shown);
  return { ...(merge.text === before ? {} : { text: merge.text }), conflicts: merge.conflicts };
}

function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every file prepared in full beside its place first, then renamed into place: a failure writes none, and
 * the folders made for them are removed again.
 */
async function writeAllOrNothing(root: string, files: readonly PlannedFile[]): Promise<void> {
  const paths = files.map((file) => join(root, file.path));
  const newFolders = missingFolders(paths);
  const prepared: PreparedFile[] = [];
  try {
    for (const [index, file] of files.entries())
      prepared.push(await prepareFileAtomically(paths[index]!, (write) => write(file.content)));
    for (const file of prepared) await file.commit();
  } catch (error) {
    await Promise.all(prepared.map((file) => file.discard()));
    // Deepest first; a folder something else wrote into meanwhile is not empty and stays.
    for (const folder of newFolders.reverse()) await rmdir(folder).catch(() => undefined);
    throw error;
  }
}

/** The folders above `paths` that do not exist yet, each once, every parent before its children. */
function missingFolders(paths: readonly string[]): string[] {
  const missing = new Set<string>();
  for (const path of paths) {
    const chain: string[] = [];
    for (let folder = dirname(path); !pathExists(folder) && folder !== dirname(folder); folder = dirname(folder))
      chain.unshift(folder);
    for (const folder of chain) missing.add(folder);
  }
  return [...missing].sort((a, b) => a.length - b.length);
}

function report(dir: string, written: readonly PlannedFile[], overwrote: boolean): string {
  const lines = written.map((file) => `  ${join(dir, file.path)}`);
  const install = 'npm install --save-dev driftspec mocha';
  return [
    `driftspec init: ${overwrote ? 'wrote (--force)' : 'wrote'}:`,
    ...lines,
    `next: ${install} (if not yet installed), then "npm run infra" and "npm run test:infra" in ${dir}`,
    '',
  ].join('\n');
}
