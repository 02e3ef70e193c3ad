import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestbed } from '../support/testbed.js';

/**
 * One booted instance for the SSH reliability tests of a describe block, a working folder, and
 * what the tests do with them.
 */
export function useRemoteCases(base: number) {
  const bed = useTestbed({ base, count: 1 });
  let folder = '';
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'driftspec-ssh-reliability-'));
  });
  after(() => folder && rmSync(folder, { recursive: true, force: true }));
  const work = () => folder;
  const instance = () => bed.instances[0]!;
  return {
    work,
    instance,
    sshArgs: () => ['-t', instance().url, '-i', instance().keyPath, '--known-hosts', instance().knownHostsPath],
    /** The instance's processes whose command line holds `marker`, and its probe directories. */
    remoteLeft: (marker: string): string[] => {
      const processes = instance()
        .inContainer(['ps', '-eo', 'pid=,args='])
        .split('\n')
        .filter((line) => line.includes(marker) && !line.includes('ps -eo'));
      const probeDirectories = instance()
        .inContainer(['sh', '-c', 'ls -d /tmp/tmp.* 2>/dev/null || true'])
        .split('\n')
        .filter(Boolean);
      return [...processes, ...probeDirectories];
    },
    spec: (name: string, body: string): string => {
      const path = join(work(), `${name}.yaml`);
      writeFileSync(path, `spec: ${name}\nchecks:\n${body}`);
      return path;
    },
  };
}

export const commandCheck = (text: string, timeout: number) =>
  `  - command: ${JSON.stringify(text)}\n    options: { timeout: ${timeout} }\n    exitStatus: 0\n`;
