import { Option, type Command } from 'commander';
import { DEFAULT_GENERATED_FILES, GENERATE_FORMATS, PACKAGE_VERSION_RULES } from '../../drift/snapshot-defaults.js';
import type { GenerateFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { collect } from '../options.js';

/** `driftspec generate --from <snapshot>`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('generate')
    .description('write a spec (YAML or TypeScript) from a snapshot: it passes on the machine the snapshot came from')
    .requiredOption('--from <snapshot>', 'a snapshot written by "driftspec snapshot"')
    .option('-o, --output <file>', 'the spec file: .yaml/.yml or .ts/.mts (default or "-": YAML to stdout)')
    .addOption(
      new Option('--format <format>', 'yaml or ts (default: from the --output extension)').choices(GENERATE_FORMATS),
    )
    .option('--name <name>', 'the spec name (default: baseline-<hostname>)')
    .option(
      '--files <glob>',
      `recorded paths to check, "*" also matching "/" (repeatable; default: ${DEFAULT_GENERATED_FILES.join(' ')}); ` +
        `setuid/setgid files are always checked`,
      collect,
    )
    .option('--with-content-hashes', "also check every chosen regular file's sha256")
    .addOption(
      new Option('--package-versions <rule>', 'minimum: ">=" the recorded version; exact: "="; any: any version')
        .choices(PACKAGE_VERSION_RULES)
        .default('minimum'),
    )
    .exitOverride()
    .action(async (options: GenerateFlags) => {
      const { generateCommand } = await import('./generate-action.js');
      io.exitCode = await generateCommand(options, io);
    });
}
