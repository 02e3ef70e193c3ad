import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { SpecError } from '../inputs/input-error.js';
import { PROFILE_FILE, ProfileNameSchema } from './metadata.js';

/** A `driftspec run` argument sorted: a profile's folder, or a spec argument passed on as written. */
export type RunArgument = { kind: 'profile'; folder: string } | { kind: 'spec'; path: string };

/**
 * A folder holding profile.yaml (or that file itself) is a profile; a bare npm package name
 * that is not a path here is looked up as Node resolves packages from `cwd` (its node_modules
 * and every parent's); anything else is a spec argument.
 */
export function sortRunArgument(arg: string, cwd: string): RunArgument {
  const path = resolve(cwd, arg);
  if (existsSync(path)) {
    if (statSync(path).isDirectory() && existsSync(join(path, PROFILE_FILE))) return { kind: 'profile', folder: path };
    if (basename(path) === PROFILE_FILE) return { kind: 'profile', folder: dirname(path) };
    return { kind: 'spec', path: arg };
  }
  if (!ProfileNameSchema.safeParse(arg).success || /\.(ya?ml|json|m?[jt]s)$/i.test(arg))
    return { kind: 'spec', path: arg };
  const folder = findProfilePackage(arg, cwd);
  return folder === undefined ? { kind: 'spec', path: arg } : { kind: 'profile', folder };
}

/** The folder of the installed package `name` that Node would find from `from`, when it holds profile.yaml. */
export function findProfilePackage(name: string, from: string): string | undefined {
  const paths = createRequire(join(from, 'noop.js')).resolve.paths(name) ?? [];
  for (const modules of paths) {
    const folder = join(modules, name);
    if (existsSync(join(folder, PROFILE_FILE))) return folder;
  }
  return undefined;
}

/** A dependency's folder, or a SpecError at `location` saying where it was looked for. */
export function dependencyFolder(
  dependency: { path?: string; package?: string },
  profileFolder: string,
  location: string,
): string {
  if (dependency.path !== undefined) {
    const folder = resolve(profileFolder, dependency.path);
    if (!existsSync(join(folder, PROFILE_FILE)))
      throw new SpecError(`dependency ${dependency.path}: no ${PROFILE_FILE} in ${folder}`, location);
    return folder;
  }
  const name = dependency.package!;
  const folder = findProfilePackage(name, profileFolder);
  if (folder === undefined)
    throw new SpecError(
      `dependency ${name}: no installed package of that name with a ${PROFILE_FILE} ` +
        `(looked in node_modules from ${profileFolder} up); ` +
        "add it to the profile's package.json dependencies and install it",
      location,
    );
  return folder;
}
