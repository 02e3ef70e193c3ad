import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A scratch directory with stand-in commands on PATH, for running a CI script's own shell logic without the tools
 * it calls. Each stand-in records its arguments (one per line) and exits with the status it is told to.
 */
export class FakeCommandBench {
  readonly root = mkdtempSync(join(tmpdir(), 'driftspec-ci-script-'));
  private readonly bin = join(this.root, 'bin');

  constructor(commands: Record<string, string>) {
    mkdirSync(this.bin);
    for (const [name, body] of Object.entries(commands)) {
      const path = join(this.bin, name);
      writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$@" > "$FAKE_ARGUMENTS_FILE"\n${body}\n`);
      chmodSync(path, 0o755);
    }
  }

  /** Runs `script` in a fresh work directory; `FAKE_STATUS` is what the stand-ins exit with. */
  run(script: string, shell: 'sh' | 'bash', env: Record<string, string>, status: number): ScriptRun {
    const work = mkdtempSync(join(this.root, 'work-'));
    const argumentsFile = join(work, '.fake-arguments');
    const result = spawnSync(shell, ['-e', '-c', script], {
      cwd: work,
      encoding: 'utf8',
      env: {
        PATH: `${this.bin}:${process.env.PATH}`,
        FAKE_STATUS: String(status),
        FAKE_ARGUMENTS_FILE: argumentsFile,
        ...env,
      },
    });
    if (result.error) throw result.error;
    let fakeArguments: string[] = [];
    try {
      fakeArguments = readFileSync(argumentsFile, 'utf8').split('\n').slice(0, -1);
    } catch {
      // no stand-in ran
    }
    return { code: result.status ?? -1, output: result.stdout + result.stderr, work, fakeArguments };
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface ScriptRun {
  code: number;
  output: string;
  work: string;
  /** The arguments the last stand-in was called with. */
  fakeArguments: string[];
}
