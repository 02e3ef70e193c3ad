/**
 * Root hook plugin of every test layer: the run's temporary files go to a folder of its own, made
 * here before any test file is loaded and removed, with all it holds, when the run ends. Tests
 * make their folders with `mkdtempSync(join(tmpdir(), …))` and the CLI runs they start inherit
 * TMPDIR, so no test needs to remember its own clean-up for the machine to be left as it was.
 * The folder has /tmp's mode (sticky, writable by all): tests that run as another user through
 * sudo use it as they would /tmp.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runFolder = mkdtempSync(join(tmpdir(), 'driftspec-test-run-'));
chmodSync(runFolder, 0o1777);
process.env.TMPDIR = runFolder;

export const mochaHooks = {
  afterAll(): void {
    rmSync(runFolder, { recursive: true, force: true });
  },
};
