import { spawnSync } from 'node:child_process';
import { parseProbeOutput, type Frame } from '../../src/probe/frames.js';
import { checkProbeScript } from '../../src/engine/check-probe.js';

export interface ProbeRunOptions {
  /** The shell that reads the probe on stdin: /bin/sh unless told. */
  shell?: readonly string[];
  /** Run as this user (the caller must be root). */
  user?: string;
}

/**
 * Runs one query inside the real probe script on this machine, as a run sends it (its queries in
 * concurrent batches), in a shell spawned here, and returns its frame.
 */
export function runInProbe(script: string, options: ProbeRunOptions = {}): Frame {
  const shell = options.shell ?? ['/bin/sh'];
  const command = options.user ? ['runuser', '-u', options.user, '--', ...shell] : [...shell];
  const run = spawnSync(command[0]!, [...command.slice(1), '-s'], {
    input: checkProbeScript([{ id: 'q1', script }], {}),
    env: { ...process.env, LC_ALL: 'C' },
  });
  const frame = parseProbeOutput(run.stdout).frames.get('q1');
  if (!frame) throw new Error(`the probe gave no frame: ${run.stdout.toString('utf8').slice(0, 500)}${run.stderr}`);
  return frame;
}
