import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestInstance } from './testbed.js';

/** DEBUG1 makes sshd log "Starting session: command for USER" once per session: the exec count, read on the server. */
export function countSessions({ upperDir }: { upperDir: string }): void {
  mkdirSync(join(upperDir, 'etc/ssh/sshd_config.d'), { recursive: true });
  writeFileSync(join(upperDir, 'etc/ssh/sshd_config.d/50-driftspec-snapshot.conf'), 'LogLevel DEBUG1\n');
}

export function journalCursor(instance: TestInstance): string {
  const output = instance.inContainer(['journalctl', '-t', 'sshd', '-n', '1', '--show-cursor', '-o', 'cat']);
  const cursor = /^-- cursor: (.+)$/m.exec(output)?.[1];
  if (!cursor) throw new Error(`no journal cursor in: ${output}`);
  return cursor;
}

/** sshd's journal lines after `cursor`, once `done` says they are all there (or after 10 s). */
export async function sshdLogAfter(
  instance: TestInstance,
  cursor: string,
  done: (lines: string[]) => boolean,
): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = instance
      .inContainer(['journalctl', '-t', 'sshd', `--after-cursor=${cursor}`, '-o', 'cat'])
      .split('\n')
      .filter(Boolean);
    if (done(lines) || Date.now() > deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The sessions sshd started after `cursor`, read once the login that `user` made has disconnected
 * (or after 10 s): one "Starting session: …" line per exec. `log` is every line, for the message.
 */
export async function sessionsAfter(
  instance: TestInstance,
  cursor: string,
  user = 'root',
): Promise<{ sessions: string[]; log: string }> {
  const disconnected = new RegExp(`^Disconnected from user ${user} `);
  const lines = await sshdLogAfter(instance, cursor, (log) => log.some((line) => disconnected.test(line)));
  return { sessions: lines.filter((line) => line.startsWith('Starting session:')), log: lines.join('\n') };
}
