import { resolve } from 'node:path';
import { SnapshotProbeError, takeSnapshot } from './snapshot.js';
import { DEFAULT_FILE_ROOTS } from './snapshot-defaults.js';
import { snapshotJsonPieces, writePieces, writeSnapshotFile } from './snapshot-file.js';
import type { Snapshot } from './snapshot-schema.js';
import { EXIT } from '../gate/exit-codes.js';
import { parseTargetAddress, TargetAddressError, type TargetAddress } from '../targets/address.js';
import { createTarget } from '../targets/parse.js';
import { loadSudoSettings, PrivilegeError } from '../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../targets/ssh-settings.js';
import { TargetUnreachableError } from '../targets/target.js';
import { toolVersion } from '../version.js';
import type { SnapshotFlags } from '../cli/snapshot-command.js';
import type { CliIo } from '../cli/main.js';
import { checkedPathGlob, usageError } from '../cli/usage.js';

/** Gaps listed on stderr before "… and N more". */
const GAPS_SHOWN = 10;

/**
 * `driftspec snapshot <target>`: one probe, the whole state, written as a baseline. Exit 0 for a
 * complete snapshot; 2 when the target could not be probed, or when parts could not be read
 * (the file is still written, with its gaps) unless --allow-incomplete.
 */
export async function snapshotCommand(targetText: string, flags: SnapshotFlags, io: CliIo): Promise<number> {
  const address = parseAddress(targetText);
  const fileRoots = (flags.files ?? DEFAULT_FILE_ROOTS).map(normaliseRoot);
  const ignores = (flags.ignore ?? []).map((glob) => checkedPathGlob(glob, '--ignore'));
  let settings: SshSettings | undefined;
  const sshSettings = () => (settings ??= loadSshSettings(flags, io.env));
  const target = createTarget(address, sshSettings, loadSudoSettings(flags, io.env));
  let snapshot: Snapshot;
  const started = Date.now();
  try {
    snapshot = await takeSnapshot(target, {
      fileRoots,
      ignores,
      defaultIgnores: flags.defaultIgnores,
      timeoutMs: flags.timeout * 1000,
      toolVersion: toolVersion(),
    });
  } catch (error) {
    if (error instanceof TargetUnreachableError) return failed(io, `${target.name}: unreachable: ${error.message}`);
    if (error instanceof PrivilegeError || error instanceof SnapshotProbeError) return failed(io, `${target.name}: ${error.message}`);
    throw error;
  } finally {
    await target.close();
  }
  const toStdout = flags.output === undefined || flags.output === '-';
  if (toStdout) await writePieces(snapshotJsonPieces(snapshot), (text) => writeToStream(io.stdout, text));
  else await writeSnapshotFile(resolve(io.cwd, flags.output!), snapshot);
  io.stderr.write(summary(snapshot, toStdout ? 'stdout' : flags.output!, Date.now() - started));
  if (snapshot.complete || flags.allowIncomplete) return EXIT.passed;
  io.stderr.write('driftspec: the snapshot is incomplete (see "gaps"); exit 2 (--allow-incomplete accepts it)\n');
  return EXIT.error;
}

function summary(snapshot: Snapshot, where: string, elapsedMs: number): string {
  const counts = [
    `${snapshot.packages.length} packages`,
    `${snapshot.services.length} services`,
    `${snapshot.listeners.length} listeners`,
    `${snapshot.users.length} users`,
    `${snapshot.groups.length} groups`,
    `${Object.keys(snapshot.kernelParameters).length} kernel parameters`,
    `${snapshot.mounts.length} mounts`,
    `${snapshot.files.length} files`,
  ].join(', ');
  const lines = [`snapshot of ${snapshot.target} (${snapshot.host.os.prettyName ?? snapshot.host.os.id}) in ${(elapsedMs / 1000).toFixed(1)} s: ${counts} → ${where}`];
  if (snapshot.complete) lines.push('complete: nothing was left unread');
  else {
    lines.push(`INCOMPLETE: ${snapshot.gaps.length} gap${snapshot.gaps.length === 1 ? '' : 's'}:`);
    for (const gap of snapshot.gaps.slice(0, GAPS_SHOWN)) lines.push(`  ${gap.kind}${gap.path !== undefined ? ` ${JSON.stringify(gap.path)}` : ''}: ${gap.reason}`);
    if (snapshot.gaps.length > GAPS_SHOWN) lines.push(`  … and ${snapshot.gaps.length - GAPS_SHOWN} more`);
  }
  return `${lines.join('\n')}\n`;
}

function writeToStream(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', () => resolve());
  });
}

function failed(io: CliIo, message: string): number {
  io.stderr.write(`driftspec: ${message}\n`);
  return EXIT.error;
}

function parseAddress(text: string): TargetAddress {
  try {
    return parseTargetAddress(text);
  } catch (error) {
    if (error instanceof TargetAddressError) throw usageError(error.message);
    throw error;
  }
}

function normaliseRoot(path: string): string {
  if (!path.startsWith('/')) throw usageError(`--files takes absolute paths, got ${JSON.stringify(path)}`);
  if (path.includes('\0')) throw usageError('--files: a path cannot contain a NUL byte');
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}

