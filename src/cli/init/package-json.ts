import { z } from 'zod';
import { SpecError } from '../../inputs/input-error.js';
import { parseJsonInput } from '../../inputs/json-input.js';
import { formatZodIssues } from '../../inputs/zod-issues.js';

const PackageJsonSchema = z.looseObject({
  scripts: z.record(z.string(), z.string({ error: 'a command line (text)' }), { error: 'an object' }).optional(),
});

/** What merging scripts into a package.json gives: its new text, and the scripts it already had otherwise. */
export interface ScriptsMerge {
  text: string;
  /** Scripts of the same name with another command: replaced only when asked. */
  conflicts: string[];
}

/**
 * `scripts` added to a package.json's text, everything else kept: the file is written back with its own
 * indentation, line ends and final newline, its members in their order (so a file formatted as npm
 * writes it changes only by the added lines). A script already there with the same command is no change.
 */
export function mergeScripts(text: string, scripts: Readonly<Record<string, string>>, path: string): ScriptsMerge {
  const manifest = parsePackageJson(text, path);
  const existing = manifest.scripts ?? {};
  const conflicts = Object.keys(scripts).filter(
    (name) => Object.hasOwn(existing, name) && existing[name] !== scripts[name],
  );
  const merged = { ...manifest, scripts: { ...existing, ...scripts } };
  const lineEnd = text.includes('\r\n') ? '\r\n' : '\n';
  const json = JSON.stringify(merged, null, indentationOf(text)).replaceAll('\n', lineEnd);
  return { text: /\r?\n$/.test(text) ? `${json}${lineEnd}` : json, conflicts };
}

/** A new package.json holding `scripts`, for a folder that has none. */
export function newPackageJson(name: string, scripts: Readonly<Record<string, string>>): string {
  return `${JSON.stringify({ name: packageName(name), private: true, scripts }, null, 2)}\n`;
}

type PackageJson = z.infer<typeof PackageJsonSchema>;

/** The manifest as JSON.parse read it (zod's copy would move `scripts` ahead of the other members). */
function parsePackageJson(text: string, path: string): PackageJson {
  const value = parseJsonInput(text, path);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SpecError('expected a JSON object (a package manifest)', path);
  const parsed = PackageJsonSchema.safeParse(value);
  if (!parsed.success) throw new SpecError(formatZodIssues(parsed.error), path);
  return value as PackageJson;
}

/** The indentation of the first indented member (a tab, or so many spaces); 2 spaces for a one-line file. */
function indentationOf(text: string): string | number {
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0];
  if (indent === undefined) return 2;
  return indent.startsWith('\t') ? '\t' : indent.length;
}

/** A folder's name as npm accepts a package's: lower case, URL-safe characters only. */
function packageName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return name.length > 0 ? name.slice(0, 214) : 'infra-specs';
}
