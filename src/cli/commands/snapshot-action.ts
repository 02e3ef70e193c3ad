import { resolve } from 'node:path';
import { DEFAULT_FILE_ROOTS } from '../../drift/snapshot-defaults.js';
import { MAX_CONTENT_LIMIT } from '../../resources/file/content-defaults.js';
import { DEFAULT_FILE_CONTENT, type FileContentSettings } from '../../resources/file/inventory-content.js';
import { writeToStream } from '../../../reporters/output.js';
import { snapshotJsonPieces, writeSnapshotFile } from '../../drift/snapshot-file.js';
import { heldKinds, SNAPSHOT_PARTS, type Snapshot } from '../../drift/snapshot-schema.js';
import { itemsOf, type SnapshotView } from '../../resources/inventory-part.js';
import { snapshotTarget, type SnapshotTaken } from '../../engine/snapshot-target.js';
import { EXIT } from '../../gate/exit-codes.js';
import { parseTargetAddress, TargetAddressError, type TargetAddress } from '../../targets/address.js';
import { createTarget } from '../../targets/parse.js';
import { loadSudoSettings } from '../../targets/privilege.js';
import { loadSshSettings, type SshSettings } from '../../targets/ssh-settings.js';
import { toolVersion } from '../../version.js';
import { fleetInterrupt, INTERRUPTED_EXIT } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { defaultHostTimeoutSeconds } from '../../engine/budget.js';
import { checkedPathGlob, usageError } from '../usage.js';
import type { SnapshotFlags } from '../flags.js';

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
  const started = Date.now();
  const timeoutMs = flags.timeout * 1000;
  const options = {
    fileRoots,
    ignores,
    defaultIgnores: flags.defaultIgnores,
    timeoutMs,
    toolVersion: toolVersion(),
    fileContent: contentSettings(flags),
  };
  const interrupt = fleetInterrupt(io);
  let taken: SnapshotTaken;
  try {
    const pacing = { budgetSeconds: defaultHostTimeoutSeconds(flags), interrupt: interrupt.signal };
    taken = await snapshotTarget(target, options, pacing);
  } finally {
    interrupt.release();
  }
  if ('failure' in taken) {
    const { kind, message } = taken.failure;
    if (kind === 'interrupted') return failed(io, `${target.name}: ${message}`, INTERRUPTED_EXIT);
    return failed(io, `${target.name}: ${kind === 'unreachable' ? 'unreachable: ' : ''}${message}`);
  }
  const { snapshot } = taken;
  const toStdout = flags.output === undefined || flags.output === '-';
  if (toStdout) await writeToStream(io.stdout, snapshotJsonPieces(snapshot));
  else await writeSnapshotFile(resolve(io.cwd, flags.output!), snapshot);
  const accepted = snapshot.complete || flags.allowIncomplete;
  if (!flags.quiet || !accepted)
    io.stderr.write(summary(snapshot, toStdout ? 'stdout' : flags.output!, Date.now() - started));
  if (accepted) return EXIT.passed;
  io.stderr.write('driftspec: the snapshot is incomplete (see "gaps"); exit 2 (--allow-incomplete accepts it)\n');
  return EXIT.error;
}

/** "listener" → "listeners", "cron entry" → "cron entries". */
function plural(noun: string): string {
  return /[^aeiou]y$/.test(noun) ? `${noun.slice(0, -1)}ies` : `${noun}s`;
}

function summary(snapshot: Snapshot, where: string, elapsedMs: number): string {
  const held = heldKinds(snapshot);
  const view: SnapshotView = snapshot;
  // Every kind in snapshot order, the file trees last (the longest part of a snapshot).
  const parts = [
    ...SNAPSHOT_PARTS.filter((part) => part.kind !== 'files'),
    ...SNAPSHOT_PARTS.filter((p) => p.kind === 'files'),
  ];
  const counted: [string, string][] = parts.map((part) => [
    part.kind,
    `${itemsOf(part, view).length} ${plural(part.noun)}`,
  ]);
  const counts = counted
    .filter(([kind]) => held.has(kind))
    .map(([, count]) => count)
    .join(', ');
  const image = snapshot.host.booted === false ? ', not booted: what the image holds and configures' : '';
  const lines = [
    `snapshot of ${snapshot.target} (${snapshot.host.os.prettyName ?? snapshot.host.os.id}${image}) in ` +
      `${(elapsedMs / 1000).toFixed(1)} s: ${counts} → ${where}`,
  ];
  if (snapshot.complete) lines.push('complete: nothing was left unread');
  else {
    lines.push(`INCOMPLETE: ${snapshot.gaps.length} gap${snapshot.gaps.length === 1 ? '' : 's'}:`);
    for (const gap of snapshot.gaps.slice(0, GAPS_SHOWN))
      lines.push(`  ${gap.kind}${gap.path !== undefined ? ` ${JSON.stringify(gap.path)}` : ''}: ${gap.reason}`);
    if (snapshot.gaps.length > GAPS_SHOWN) lines.push(`  … and ${snapshot.gaps.length - GAPS_SHOWN} more`);
  }
  return `${lines.join('\n')}\n`;
}

function failed(io: CliIo, message: string, exitCode: number = EXIT.error): number {
  io.stderr.write(`driftspec: ${message}\n`);
  return exitCode;
}

function parseAddress(text: string): TargetAddress {
  try {
    return parseTargetAddress(text);
  } catch (error) {
    if (error instanceof TargetAddressError) throw usageError(error.message);
    throw error;
  }
}

/** --content-trees, --content-limit and --content-secret over the defaults; false when no text is kept. */
function contentSettings(flags: SnapshotFlags): FileContentSettings | false {
  const limitText = flags.contentLimit ?? String(DEFAULT_FILE_CONTENT.limit);
  if (!/^\d+$/.test(limitText) || Number(limitText) > MAX_CONTENT_LIMIT)
    throw usageError(
      `--content-limit takes a number of bytes from 0 to ${MAX_CONTENT_LIMIT}, got ${JSON.stringify(limitText)}`,
    );
  const limit = Number(limitText);
  if (limit === 0) return false;
  const trees = (flags.contentTrees ?? DEFAULT_FILE_CONTENT.trees).map((path) => {
    if (!path.startsWith('/')) throw usageError(`--content-trees takes absolute paths, got ${JSON.stringify(path)}`);
    return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
  });
  const secrets = [
    ...DEFAULT_FILE_CONTENT.secrets,
    ...(flags.contentSecret ?? []).map((glob) => checkedPathGlob(glob, '--content-secret')),
  ];
  return { trees, limit, secrets };
}

function normaliseRoot(path: string): string {
  if (!path.startsWith('/')) throw usageError(`--files takes absolute paths, got ${JSON.stringify(path)}`);
  if (path.includes('\0')) throw usageError('--files: a path cannot contain a NUL byte');
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}
