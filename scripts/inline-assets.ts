/**
 * Writes reporters/html/assets.ts from the asset files in reporters/html/assets/: each file
 * becomes one exported string constant with its exact text. The pages then carry their CSS and
 * script inline, as a module like any other, so the tsx-run tests, the tsc output in dist/ and
 * the esbuild bundle all have them without reading a file at run time (the bundle has no files
 * beside it). test/unit/html-report-assets.test.ts fails when the module is older than the files.
 *
 * Run it after changing an asset: npx tsx scripts/inline-assets.ts
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ASSET_DIR = join(root, 'reporters', 'html', 'assets');
export const ASSET_MODULE = join(root, 'reporters', 'html', 'assets.ts');

/** The text of reporters/html/assets.ts for the asset files as they are now. */
export async function assetModuleText(): Promise<string> {
  const names = (await readdir(ASSET_DIR)).filter((name) => /\.(css|js)$/.test(name)).sort();
  const constants = await Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(ASSET_DIR, name), 'utf8');
      const constant = `export const ${constantName(name)}: string = \`${templateText(text)}\`;`;
      return `/** reporters/html/assets/${name} */\n${constant}\n`;
    }),
  );
  const header = '// Written by scripts/inline-assets.ts from reporters/html/assets/; edit those files, then run it.\n';
  return `${header}\n${constants.join('\n')}`;
}

/** `report.css` → `REPORT_CSS`. */
function constantName(fileName: string): string {
  return fileName.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

/** The text as the body of a template literal that evaluates to exactly it. */
function templateText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await writeFile(ASSET_MODULE, await assetModuleText());
}
