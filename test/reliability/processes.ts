import { readdirSync, readFileSync } from 'node:fs';

/** Processes of this machine whose command line holds `marker`: "PID command line". */
export function processesMatching(marker: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    if (commandLine.includes(marker)) found.push(`${entry} ${commandLine}`);
  }
  return found;
}

/** Waits until no process holds `marker`, failing with the ones left after `withinMs`. */
export async function waitForNone(
  marker: string,
  withinMs: number,
  list: (marker: string) => string[] | Promise<string[]> = processesMatching,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = await list(marker);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes left ${withinMs} ms after the run:\n${left.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A command that ignores SIGTERM and has a child of its own that does too; both carry `marker`. */
export const stubborn = (marker: string) =>
  `trap '' TERM; sh -c 'trap "" TERM; sleep 300; : ${marker}' & sleep 300; : ${marker}`;
