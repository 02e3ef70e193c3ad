import { extname, resolve } from 'node:path';
import type { GenerateFlags } from '../flags.js';
import { renderTypeScript, renderYaml, specFromSnapshot } from '../../drift/generate.js';
import { readSnapshotFile } from '../../drift/snapshot-file.js';
import { EXIT } from '../../gate/exit-codes.js';
import { writeFileAtomically } from '../../io/atomic-write.js';
import type { CliIo } from '../io.js';
import { checkedPathGlob, usageError } from '../usage.js';

/**
 * `driftspec generate --from snapshot.json -o spec.yaml|spec.ts`: a spec that passes on the machine the snapshot
 * came from.
 */
export async function generateCommand(flags: GenerateFlags, io: CliIo): Promise<number> {
  const format = outputFormat(flags);
  const files = flags.files?.map((glob) => checkedPathGlob(glob, '--files'));
  const snapshot = await readSnapshotFile(flags.from, io.cwd);
  const spec = specFromSnapshot(snapshot, {
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(files !== undefined ? { files } : {}),
    withContentHashes: flags.withContentHashes ?? false,
    packageVersions: flags.packageVersions,
  });
  const text = format === 'ts' ? renderTypeScript(spec) : renderYaml(spec);
  if (flags.output === undefined || flags.output === '-') io.stdout.write(text);
  else await writeFileAtomically(resolve(io.cwd, flags.output), text);
  const checks = spec.controls.reduce(
    (sum, control) => sum + control.checks.reduce((n, check) => n + check.matchers.length, 0),
    0,
  );
  const where = flags.output === undefined || flags.output === '-' ? 'stdout' : flags.output;
  io.stderr.write(`generated spec "${spec.name}": ${spec.controls.length} controls, ${checks} checks → ${where}\n`);
  if (!snapshot.complete)
    io.stderr.write(
      `driftspec: the snapshot is incomplete (${snapshot.gaps.length} gaps): what it could not read has no checks\n`,
    );
  return EXIT.passed;
}

function outputFormat(flags: GenerateFlags): 'yaml' | 'ts' {
  if (flags.format !== undefined) return flags.format;
  if (flags.output === undefined || flags.output === '-') return 'yaml';
  const extension = extname(flags.output).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  if (extension === '.ts' || extension === '.mts') return 'ts';
  throw usageError(
    `cannot tell the format from "${flags.output}": name it .yaml, .yml, .ts or .mts, or add --format yaml|ts`,
  );
}
