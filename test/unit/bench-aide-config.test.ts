import { expect } from 'chai';
import { aideConfig, AIDE_ATTRIBUTES } from '../../bench/lib/aide-config.js';
import { pathIgnorer } from '../../src/drift/path-glob.js';
import { DEFAULT_FILE_ROOTS } from '../../src/drift/snapshot-defaults.js';
import { DEFAULT_PATH_IGNORES, isAtOrBelow } from '../../src/resources/file/inventory.js';

const SAMPLE_PATHS = [
  '/usr/bin/ls',
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/usr/local/bin/tool',
  '/usr2/file',
  '/bin',
  '/etc/passwd',
  '/etc/machine-id',
  '/etc/ssh/ssh_host_ed25519_key',
  '/etc/ssh/sshd_config',
  '/etc/ld.so.cache',
  '/etc/ldXso.cache',
  '/root/.bash_history',
  '/root/.ssh/authorized_keys',
  '/root/.cache/pip/x',
  '/home/alice/.bash_history',
  '/home/alice/.cache/thumbnails/a.png',
  '/home/alice/.ssh/authorized_keys',
  '/var/spool/cron/crontabs/root',
  '/var/spool/postfix/active/ABC',
  '/var/log/syslog',
  '/var/lib/dpkg/status',
  '/boot/vmlinuz',
  '/opt/app/bin/app',
  '/tmp/x',
];

/** AIDE's selection: a `!` line that matches leaves a path out; otherwise a selection line takes it. */
function aideSelects(config: string, path: string): boolean {
  const lines = config.split('\n');
  const negative = lines.filter((line) => line.startsWith('!')).map((line) => new RegExp(`^${line.slice(1)}`));
  const positive = lines
    .filter((line) => line.startsWith('/') && line.endsWith(' Watched'))
    .map((line) => new RegExp(`^${line.slice(0, -' Watched'.length)}`));
  return !negative.some((re) => re.test(path)) && positive.some((re) => re.test(path));
}

describe('the AIDE configuration of the AIDE benchmark', () => {
  const config = aideConfig({ roots: DEFAULT_FILE_ROOTS, ignores: DEFAULT_PATH_IGNORES, databaseOut: '/tmp/db' });

  it('selects exactly the paths the default snapshot records', () => {
    const ignored = pathIgnorer(DEFAULT_PATH_IGNORES);
    for (const path of SAMPLE_PATHS) {
      const recorded = DEFAULT_FILE_ROOTS.some((root) => isAtOrBelow(path, root)) && !ignored(path);
      expect(aideSelects(config, path), path).to.equal(recorded);
    }
  });

  it('asks for the attributes a snapshot records, and every line is one AIDE reads', () => {
    expect(config).to.include(`Watched = ${AIDE_ATTRIBUTES}`);
    expect(AIDE_ATTRIBUTES.split('+').sort()).to.deep.equal(['ftype', 'g', 'l', 'p', 's', 'sha256', 'u']);
    for (const line of config.split('\n').filter((l) => l !== ''))
      expect(line, line).to.match(/^(database_out=file:\/|gzip_dbout=no$|Watched = |!\/|\/)/);
  });
});
