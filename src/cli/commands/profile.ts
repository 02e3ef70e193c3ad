import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/** `driftspec profile check <profile>`. */
export function register(program: Command, io: CliIo): void {
  const profile = program.command('profile').description('work with compliance profiles (see docs/profiles.md)');
  profile.exitOverride();
  profile
    .command('check')
    .description(
      'lint a profile and its dependencies: metadata, supports, dependencies, spec files, inputs, ' +
        'duplicate control ids, controls without a check; exit 0, or 78 with every problem listed',
    )
    .argument('<profile>', 'a folder holding profile.yaml, or the name of an installed profile package')
    .exitOverride()
    .action(async (folder: string) => {
      const { profileCheckCommand } = await import('./profile-action.js');
      io.exitCode = await profileCheckCommand(folder, io);
    });
}
