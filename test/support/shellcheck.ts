import { spawnSync } from 'node:child_process';

export function hasShellcheck(): boolean {
  return spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** ShellCheck's findings for a script given on stdin, one `line N: SCnnnn message` each; empty when clean. */
export function shellcheckFindings(script: string, shell: 'sh' | 'bash'): string[] {
  const result = spawnSync('shellcheck', ['--shell', shell, '--format', 'gcc', '-'], {
    input: script,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (result.status !== 0 && result.stdout === '') throw new Error(`shellcheck failed: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^-:(\d+):\d+: /, 'line $1: '));
}
