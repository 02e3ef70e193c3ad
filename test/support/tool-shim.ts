import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from '../../src/probe/frames.js';
import type { PackageManager } from '../../src/probe/host.js';
import { shellQuote } from '../../src/probe/quote.js';
import { runInProbe } from './probe-run.js';

/**
 * Writes `shims/TOOL`, a script that runs the real tool with `options` before its own arguments
 * (`rpm --root DIR --dbpath /var/lib/rpm`), so a fragment's command lines reach a private root
 * exactly as the probe sends them to a host.
 */
export function writeShim(shims: string, tool: string, realPath: string, options: readonly string[]): void {
  mkdirSync(shims, { recursive: true, mode: 0o755 });
  const path = join(shims, tool);
  writeFileSync(path, `#!/bin/sh\nexec ${[realPath, ...options].map(shellQuote).join(' ')} "$@"\n`);
  chmodSync(path, 0o755);
}

/** Runs a fragment in the real probe as if host detection had found `manager`, with the shims first in PATH. */
export function runWithManager(script: string, manager: PackageManager, shims: string, user?: string): Frame {
  const setup = `DS_PKG=${manager}; PATH=${shellQuote(shims)}:$PATH\n`;
  return runInProbe(setup + script, user ? { user } : {});
}
