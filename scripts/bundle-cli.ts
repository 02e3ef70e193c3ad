/**
 * `npm run build`, after tsc: the CLI as one CommonJS module, wrapped in a function expression,
 * in dist/driftspec-cli.cjs, which
 * bin/driftspec compiles with a V8 code cache (src/cli/code-cache.ts). Start-up then reads one
 * file instead of resolving and loading some three hundred modules, and compiles nothing that
 * an earlier run of the same command compiled. Each command's code still runs only when the
 * command does: esbuild turns a bundled `import('./x.js')` into a call of x's lazy initialiser.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { BUNDLE_FILE, IMPORT_PARAMETER, wrapBundle } from '../src/cli/code-cache.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const outfile = join(dist, BUNDLE_FILE);

const result = await build({
  entryPoints: [join(dist, 'src', 'cli', 'main.js')],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Identifiers keep their names: an internal error's stack still names its functions.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // esbuild loads only when a TypeScript spec is compiled. ssh2 is in the bundle (its files come
  // from the code cache instead of being found and compiled on every start: 25–30 ms), but not
  // its optional native parts (see nativeAddonsInPlace).
  external: ['esbuild', 'cpu-features'],
  write: false,
  logLevel: 'silent',
  plugins: [compiledModulesOnly(), nativeAddonsInPlace()],
});
if (result.warnings.length > 0)
  throw new Error(`bundling the CLI: ${result.warnings.map((warning) => warning.text).join('; ')}`);
const code = asciiOnly(result.outputFiles[0]!.text);
// A dynamic import left in the bundle would fail: a script compiled by node:vm has no module loader
// of its own (and one lent by vm is lost when the script comes from the code cache).
const leftover = /\bimport\s*\(|\bimport\.meta\b/.exec(code);
if (leftover)
  throw new Error(`bundling the CLI: "${code.slice(leftover.index, leftover.index + 80)}" is left in ${BUNDLE_FILE}`);
// Renamed into place: a CLI starting meanwhile reads the old bundle or the new one, never half of one.
await writeFile(`${outfile}.${process.pid}.tmp`, wrapBundle(code));
await rename(`${outfile}.${process.pid}.tmp`, outfile);

/**
 * driftspec's own compiled modules, adapted to a CommonJS bundle in dist/: `import.meta.url` names
 * the module's own file in dist/ (packageRoot() walks up from it), and an awaited dynamic import
 * of anything but a relative path, which esbuild bundles (a compiled spec, esbuild itself), goes
 * to the import function the loader hands in. Any other `import(` left in the bundle fails the
 * build.
 */
function compiledModulesOnly(): Plugin {
  return {
    name: 'driftspec-compiled-modules',
    setup(builder) {
      builder.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(`${dist}/`)) return undefined;
        const ownPath = relative(dist, args.path);
        const text = (await readFile(args.path, 'utf8'))
          .replaceAll(
            'import.meta.url',
            `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${JSON.stringify(ownPath)})).href`,
          )
          .replace(/\bawait import\((?!\s*['"]\.\.?\/)/g, `await ${IMPORT_PARAMETER}(`);
        return { contents: text, loader: 'js' };
      });
    },
  };
}

/**
 * A package's native addon (ssh2's crypto binding, built where its install script ran) stays where
 * the package has it: the bundle requires it by the package's name, since a relative path would
 * look beside the bundle. The package falls back to JavaScript when it is not there.
 */
function nativeAddonsInPlace(): Plugin {
  return {
    name: 'driftspec-native-addons-in-place',
    setup(builder) {
      builder.onResolve({ filter: /\.node$/ }, (args) => {
        const packages = '/node_modules/';
        const at = args.importer.lastIndexOf(packages);
        if (at < 0) throw new Error(`bundling the CLI: a native addon outside a package: ${args.path}`);
        const fromPackages = relative(
          args.importer.slice(0, at + packages.length),
          join(dirname(args.importer), args.path),
        );
        return { path: fromPackages, external: true };
      });
    },
  };
}

/**
 * Every character outside ASCII as a \u escape (esbuild leaves them in tagged templates, whose
 * cooked strings are all this code reads): the loader can then decode the file as Latin-1, which
 * costs next to nothing, where UTF-8 decoding of 1.5 MB costs 15–40 ms on every start.
 */
function asciiOnly(text: string): string {
  return text.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
