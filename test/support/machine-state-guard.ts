/**
 * Root hook plugin of the integration and end-to-end layers: the run must leave the machine as it
 * found it. It compares the state of the services tests start and stop before and after the whole
 * run, and fails the run when a process the tests started is still alive at the end.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { lsbStatus } from './init-services.js';

/** The daemons .ci/run installs that tests start or stop through their init scripts. */
const WATCHED_SERVICES = ['cron', 'ssh'];

function serviceStates(): Map<string, number | undefined> {
  return new Map(WATCHED_SERVICES.map((name) => [name, lsbStatus(name)]));
}

/** Live (not zombie) processes whose parent is this mocha process. */
function childProcesses(): string[] {
  const children: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1);
    if (Number(ppid) === process.pid && state !== 'Z' && !isEsbuildService(pid)) children.push(`${pid} ${command}`);
  }
  return children;
}

/**
 * esbuild's JavaScript API (which compiles TypeScript specs) keeps one service process for reuse;
 * it reads its requests from this process's pipe and ends with this process.
 */
function isEsbuildService(pid: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`).includes('/node_modules/@esbuild/');
  } catch {
    return false;
  }
}

/** A process sent a signal in an after hook may take a moment to end. */
async function childProcessesAfterGrace(graceMs = 2000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  let children = childProcesses();
  while (children.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    children = childProcesses();
  }
  return children;
}

let before = new Map<string, number | undefined>();

export const mochaHooks = {
  beforeAll(): void {
    before = serviceStates();
  },
  async afterAll(): Promise<void> {
    const after = serviceStates();
    const changed = WATCHED_SERVICES.filter((name) => before.get(name) !== after.get(name)).map(
      (name) => `${name}: LSB status ${before.get(name)} before the run, ${after.get(name)} after it`,
    );
    const left = await childProcessesAfterGrace();
    const problems = [
      ...changed.map((line) => `a test changed a service and did not restore it: ${line}`),
      ...left.map((line) => `a test left a process running: ${line}`),
    ];
    if (problems.length > 0) throw new Error(problems.join('\n'));
  },
};
