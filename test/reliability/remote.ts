import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Testbed } from '../support/testbed.js';

/** What the SSH reliability tests do with their one instance. */
export function remoteCases(bed: Testbed, work: () => string) {
  const instance = () => bed.instances[0]!;
  return {
    instance,
    sshArgs: () => ['-t', instance().url, '-i', instance().keyPath, '--known-hosts', instance().knownHostsPath],
    /** The instance's processes whose command line holds `marker`, and its probe directories. */
    remoteLeft: (marker: string): string[] => {
      const processes = instance()
        .inContainer(['ps', '-eo', 'pid=,args='])
        .split('\n')
        .filter((line) => line.includes(marker) && !line.includes('ps -eo'));
      const probeDirectories = instance().inContainer(['sh', '-c', 'ls -d /tmp/tmp.* 2>/dev/null || true']).split('\n').filter(Boolean);
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
