import { onProcessExit } from '../io/exit-hooks.js';
import { type ReadOnlyBind, requireRoot, RootfsTarget } from './rootfs.js';
import type { ExecOptions, ExecResult, Target } from './target.js';

/** An image made into a root directory (an archive unpacked, a disk's partitions mounted), and how that is undone. */
export interface PreparedRoot {
  /** The root directory, absolute; the probe runs in it as on a `rootfs:` target. */
  path: string;
  /** Directories shown read-only inside the root (a disk's further partitions at their fstab mount points). */
  readOnlyBinds?: readonly ReadOnlyBind[];
  /**
   * Undoes the preparation (removes the unpacked tree, unmounts and detaches). Synchronous, so it
   * can also run from the process's exit hook after SIGINT; safe to call more than once.
   */
  release(): void;
}

/**
 * A target whose root must be made first: prepared on the first exec (not when the target is
 * built, so a fleet's order and budgets apply), checked as a `rootfs:` target under its own name,
 * and released on close, or when the process exits first (an interrupted run).
 */
export class PreparedRootTarget implements Target {
  readonly booted = false;
  private opened?: Promise<RootfsTarget>;
  private prepared?: PreparedRoot;
  private cancelExitHook?: () => void;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly prepare: () => Promise<PreparedRoot>,
    private readonly sudoRequested = false,
  ) {}

  async exec(script: string, options: ExecOptions): Promise<ExecResult> {
    requireRoot(this.sudoRequested);
    this.opened ??= this.open();
    return (await this.opened).exec(script, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opened?.catch(() => undefined);
    this.release();
  }

  private async open(): Promise<RootfsTarget> {
    const prepared = await this.prepare();
    this.prepared = prepared;
    this.cancelExitHook = onProcessExit(() => prepared.release());
    if (this.closed) {
      this.release();
      throw new Error(`${this.name} was closed while it was being prepared`);
    }
    return new RootfsTarget(
      { kind: 'rootfs', path: prepared.path },
      this.sudoRequested,
      this.name,
      prepared.readOnlyBinds,
    );
  }

  private release(): void {
    this.prepared?.release();
    this.prepared = undefined;
    this.cancelExitHook?.();
    this.cancelExitHook = undefined;
  }
}
