import { EXIT } from '../../gate/exit-codes.js';
import { SpecError } from '../../inputs/input-error.js';
import { specCacheDir } from '../../io/spec-cache-dir.js';
import { checkProfile } from '../../profiles/check.js';
import { sortRunArgument } from '../../profiles/locate.js';
import { PROFILE_FILE } from '../../profiles/metadata.js';
import { createRegistry } from '../../resources/index.js';
import { printable } from '../../text/printable.js';
import { toolVersion } from '../../version.js';
import type { CliIo } from '../io.js';

/** `driftspec profile check`: every problem on stderr and exit 78, or a one-line summary and exit 0. */
export async function profileCheckCommand(arg: string, io: CliIo): Promise<number> {
  const sorted = sortRunArgument(arg, io.cwd);
  if (sorted.kind !== 'profile')
    throw new SpecError(
      `not a profile: no ${PROFILE_FILE} there, and no installed package of that name holds one`,
      arg,
    );
  const options = { registry: createRegistry(), cacheDir: specCacheDir(io.env), toolVersion: toolVersion() };
  const result = await checkProfile(sorted.folder, options);
  const name = result.name === undefined ? arg : `${result.name} ${result.version}`;
  if (result.problems.length === 0) {
    io.stdout.write(printable(`profile ${name}: ${result.controls} controls, no problems found`) + '\n');
    return EXIT.passed;
  }
  const count = result.problems.length;
  io.stderr.write(printable(`driftspec: profile ${name}: ${count} ${count === 1 ? 'problem' : 'problems'}`) + '\n');
  for (const problem of result.problems) io.stderr.write(`  ${printable(problem)}\n`);
  return EXIT.config;
}
