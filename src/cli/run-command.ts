import { join } from 'node:path';
import { renderCliReport, shouldUseColor } from '../../reporters/cli.js';
import { renderJsonReport } from '../../reporters/json.js';
import { runPlan } from '../engine/run.js';
import { decideVerdict } from '../gate/verdict.js';
import { loadPlan } from '../plan/load.js';
import { createRegistry } from '../resources/index.js';
import { createTarget } from '../targets/parse.js';
import { loadSshSettings, type SshSettings } from '../targets/ssh-settings.js';
import { packageRoot, toolVersion } from '../version.js';
import { specCacheDir } from './cache.js';
import type { CliIo, RunFlags } from './main.js';

/** The spec `driftspec run` checks when none is named. */
export function defaultSpecPath(): string {
  return join(packageRoot(), 'specs', 'debian-web-server.yaml');
}

export async function runCommand(specs: string[], flags: RunFlags, io: CliIo): Promise<number> {
  const registry = createRegistry();
  const paths = specs.length > 0 ? specs : [defaultSpecPath()];
  if (specs.length === 0 && flags.format === 'cli') io.stderr.write(`driftspec: no spec named; checking the bundled ${paths[0]}\n`);
  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  const plan = await loadPlan(paths, { registry, cacheDir: specCacheDir(io.env) });
  const addresses = flags.target ?? [{ kind: 'local' as const }];
  const targets = addresses.map((address) => createTarget(address, sshSettings));
  const result = await runPlan(plan, targets, {
    registry,
    commandTimeoutMs: flags.timeout * 1000,
    toolVersion: toolVersion(),
    concurrency: 8,
  });
  const verdict = decideVerdict(result);
  const report =
    flags.format === 'json'
      ? renderJsonReport(result, verdict)
      : renderCliReport(result, verdict, { color: shouldUseColor(io.stdout, io.env), verbose: flags.verbose });
  io.stdout.write(report);
  return verdict.exitCode;
}
