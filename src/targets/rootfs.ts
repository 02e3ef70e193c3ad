import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { imageTargetName, type RootfsAddress } from './address.js';
import { LocalTarget } from './local.js';
import type { ProbeLaunch } from './privilege.js';
import type { ExecOptions, ExecResult, Target } from './target.js';

const NSPAWN = 'systemd-nspawn';

/** How long nspawn may take to end the container and clean up after a SIGTERM before it is killed. */
const NSPAWN_TERM_GRACE_MS = 2000;

/**
 * How the probe runs inside an image root: the same `/bin/sh -s` it runs on a booted host, in a
 * container of the image's own files, so its tools, account files and symlinks are the image's.
 * - no boot (`--as-pid2`: a stub init is PID 1, the shell PID 2; nothing of the image starts);
 * - no network (`--private-network`: only a loopback device of its own);
 * - the image never modified: `--volatile=overlay` mounts the tree read-only under an overlayfs
 *   whose upper layer is a tmpfs thrown away when the container ends. A tmpfs overlay rather than
 *   `--read-only` alone, because the probe's own temporary files and any tool that writes
 *   (a lock, a cache) must succeed as on the running system, yet leave no trace;
 * - nothing copied into the image that would change its facts: no resolv.conf, time zone,
 *   journal link or machine registration from the build machine, and no scope unit asked of the
 *   build machine's systemd (`--keep-unit`), which a CI container may not run.
 * The machine name (the container's hostname too) is new for every exec, so two runs of the same
 * image at once never share nspawn's state under /run.
 */
export function nspawnArgv(
  root: string,
  machine: string = machineName(),
  readOnlyBinds: readonly ReadOnlyBind[] = [],
): string[] {
  return [
    NSPAWN,
    '--quiet',
    `--directory=${root}`,
    `--machine=${machine}`,
    '--as-pid2',
    '--private-network',
    '--volatile=overlay',
    '--register=no',
    '--keep-unit',
    '--resolv-conf=off',
    '--timezone=off',
    '--link-journal=no',
    '--pipe',
    ...readOnlyBinds.map((bind) => `--bind-ro=${escapeBindPath(bind.source)}:${escapeBindPath(bind.target)}`),
    '--',
    '/bin/sh',
    '-s',
  ];
}

/**
 * A directory shown read-only at `target` inside the image: a disk's further partitions. The
 * overlay over the image root does not show what is mounted below it, so each is bound on top.
 */
export interface ReadOnlyBind {
  source: string;
  target: string;
}

/** nspawn splits `--bind-ro` at colons; a backslash escapes one. */
function escapeBindPath(path: string): string {
  return path.replace(/[\\:]/g, (c) => `\\${c}`);
}

function machineName(): string {
  return `driftspec-${randomBytes(6).toString('hex')}`;
}

/**
 * What keeps a rootfs target from running at all: no such directory, no systemd-nspawn, not root.
 * Thrown from `exec`, so it is that host's error (exit 2 through the gate), never a crash of the run.
 */
export class RootfsError extends Error {
  override name = 'RootfsError';
}

/** A directory holding an image's root, checked without booting it. */
export class RootfsTarget implements Target {
  readonly name: string;
  readonly booted = false;
  private readonly runner: LocalTarget;

  /** `name` differs from the address when the root was made from another image (an archive unpacked). */
  constructor(
    private readonly address: RootfsAddress,
    private readonly sudoRequested = false,
    name: string = imageTargetName(address),
    readOnlyBinds: readonly ReadOnlyBind[] = [],
  ) {
    this.name = name;
    this.runner = new LocalTarget(undefined, undefined, nspawnLaunch(address.path, readOnlyBinds));
  }

  async exec(script: string, options: ExecOptions): Promise<ExecResult> {
    requireImageRoot(this.address.path);
    requireRoot(this.sudoRequested);
    return this.runner.exec(script, options);
  }

  async close(): Promise<void> {}
}

function nspawnLaunch(root: string, readOnlyBinds: readonly ReadOnlyBind[]): ProbeLaunch {
  return {
    get argv() {
      return nspawnArgv(root, machineName(), readOnlyBinds);
    },
    command: nspawnArgv(root, 'NAME', readOnlyBinds).join(' '),
    stdinPrefix: () => '',
    diagnose: (result) => {
      if (result.exitCode === 0 || result.timedOut || result.stdout.length > 0) return undefined;
      const stderr = result.stderr.toString('utf8').trim();
      return stderr ? `${NSPAWN} could not run the probe in the image: ${stderr.slice(0, 500)}` : undefined;
    },
    // nspawn ends the container on SIGTERM and removes its state; killed, it leaves that behind.
    termGraceMs: NSPAWN_TERM_GRACE_MS,
    startFailure: (error) =>
      error.code === 'ENOENT'
        ? new RootfsError(`${NSPAWN} is not installed: a rootfs target needs it (Debian: systemd-container)`)
        : error,
  };
}

/** The path given on the command line may be a link to the image root; inside the image nothing is resolved here. */
export function requireImageRoot(root: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(root).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RootfsError(`image root ${root}: ${code === 'ENOENT' ? 'no such directory' : code}`);
  }
  if (!isDirectory) throw new RootfsError(`image root ${root} is not a directory`);
}

export function requireRoot(sudoRequested: boolean): void {
  if (sudoRequested)
    throw new RootfsError('sudo settings do not apply to a rootfs target: run driftspec itself as root');
  if (process.getuid?.() === 0) return;
  throw new RootfsError(`a rootfs target runs ${NSPAWN}, which needs root: run driftspec as root`);
}
