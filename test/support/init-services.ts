import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** LSB status of an init script: 0 running, 3 stopped; undefined where there is no such script. */
export function lsbStatus(name: string): number | undefined {
  if (!existsSync(`/etc/init.d/${name}`)) return undefined;
  return spawnSync(`/etc/init.d/${name}`, ['status'], { stdio: 'ignore' }).status ?? -1;
}

/** Daemons keep inherited pipes open, so the init script gets no pipes at all. */
export function initScript(name: string, action: 'start' | 'stop'): void {
  execFileSync(`/etc/init.d/${name}`, [action], { stdio: 'ignore' });
}

/**
 * Starts a service for a test and returns what puts the machine back as it was: a service that
 * was stopped before is stopped again.
 */
export function startServiceUntilRestored(name: string): () => void {
  const wasRunning = lsbStatus(name) === 0;
  if (!wasRunning) initScript(name, 'start');
  return () => {
    if (!wasRunning && lsbStatus(name) === 0) initScript(name, 'stop');
  };
}
