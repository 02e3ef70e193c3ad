import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { RootfsError } from '../rootfs.js';
import type { DiskVolume } from './layout.js';
import { sleepSync } from '../../io/sleep-sync.js';

const runFile = promisify(execFile);
const TOOL_TIMEOUT_MS = 60_000;
const BUSY_RETRIES = 10;
const BUSY_WAIT_MS = 200;

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool of the build machine; a missing tool is that host's error (exit 2), naming its package. */
export async function runTool(argv: readonly string[]): Promise<ToolResult> {
  const [command, ...args] = argv as [string, ...string[]];
  try {
    const { stdout, stderr } = await runFile(command, args, { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { code?: unknown; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT')
      throw new RootfsError(`${command} is not installed: a disk target needs it (Debian: util-linux, mount)`);
    if (typeof failure.code !== 'number') throw new RootfsError(`${command} failed: ${failure.message}`);
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

async function runToolOrFail(argv: readonly string[], what: string): Promise<string> {
  const result = await runTool(argv);
  if (result.code !== 0) throw new RootfsError(`could not ${what}: ${result.stderr.trim() || `exit ${result.code}`}`);
  return result.stdout;
}

/** ext3/4 without `noload` and xfs without `norecovery` replay their journal, which writes even under `ro`. */
export function mountOptions(fileSystemType: string): string {
  if (['ext2', 'ext3', 'ext4'].includes(fileSystemType)) return 'ro,noload';
  if (fileSystemType === 'xfs') return 'ro,norecovery';
  return 'ro';
}

/**
 * The loop devices and mounts made for one disk image under one private directory, undone in
 * reverse. `release` is synchronous (it also runs from the exit hook after SIGINT) and never throws:
 * what it cannot undo is said on stderr, and a directory with something still mounted on it is
 * never removed.
 */
export class DiskMounts {
  private readonly loops: string[] = [];
  private readonly mounts: string[] = [];
  private readonly directories: string[] = [];

  constructor(
    readonly image: string,
    private readonly workDirectory: string,
  ) {}

  /** Attaches the volume read-only on its own loop device and mounts its file system read-only at `directory`. */
  async mount(volume: DiskVolume, directory: string): Promise<void> {
    const type = volume.fileSystem?.type ?? 'auto';
    const { offset, size } = volume.partition;
    const loop = (
      await runToolOrFail(
        ['losetup', '--find', '--show', '--read-only', `--offset=${offset}`, `--sizelimit=${size}`, this.image],
        `attach ${this.image} to a loop device (is a loop device available?)`,
      )
    ).trim();
    this.loops.push(loop);
    mkdirSync(directory, { mode: 0o700 });
    this.directories.push(directory);
    await runToolOrFail(
      ['mount', '-t', type, '-o', mountOptions(type), loop, directory],
      `mount the ${type} file system at offset ${offset} of ${this.image} read-only`,
    );
    this.mounts.push(directory);
  }

  release(): void {
    const problems: string[] = [];
    while (this.mounts.length > 0) {
      const directory = this.mounts.at(-1)!;
      const problem = unmount(directory);
      if (problem !== undefined) {
        problems.push(problem);
        break;
      }
      this.mounts.pop();
    }
    while (this.loops.length > 0) {
      const loop = this.loops.pop()!;
      const problem = runSync(['losetup', '--detach', loop]);
      if (problem !== undefined) problems.push(`could not detach ${loop}: ${problem}`);
    }
    if (this.mounts.length === 0) {
      for (const directory of [...this.directories.splice(0).reverse(), this.workDirectory]) {
        try {
          rmSync(nspawnLockFile(directory), { force: true });
          rmdirSync(directory);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
            problems.push(`could not remove ${directory}: ${(error as Error).message}`);
        }
      }
    }
    if (problems.length > 0)
      writeSync(2, `driftspec: disk:${this.image}: left behind after the check: ${problems.join('; ')}\n`);
  }
}

/** systemd-nspawn locks an image directory with a file beside it, left behind when nspawn is killed (SIGINT). */
function nspawnLockFile(directory: string): string {
  return join(dirname(directory), `.#${basename(directory)}.lck`);
}

/** A mount still in use (the probe's last process exiting) is retried briefly; it is never detached lazily. */
function unmount(directory: string): string | undefined {
  for (let attempt = 0; ; attempt++) {
    const problem = runSync(['umount', directory]);
    if (problem === undefined) return undefined;
    if (!/busy/i.test(problem) || attempt >= BUSY_RETRIES) return `could not unmount ${directory}: ${problem}`;
    sleepSync(BUSY_WAIT_MS);
  }
}

function runSync(argv: readonly string[]): string | undefined {
  const [command, ...args] = argv as [string, ...string[]];
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: TOOL_TIMEOUT_MS });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    return stderr || (error as Error).message;
  }
}
