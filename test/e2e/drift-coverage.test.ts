import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DriftReportSchema, type HostDrift } from '../../src/drift/diff-schema.js';
import { DEFAULT_FILE_ROOTS } from '../../src/drift/snapshot-defaults.js';
import { parseSnapshot } from '../../src/drift/snapshot-schema.js';
import { runCli } from '../support/cli.js';
import { connection, differences, settle, TESTBED_IGNORES } from '../support/drift-e2e.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const SCRIPTS = fileURLToPath(new URL('../testbed/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-drift-coverage-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));
const path = (name: string) => join(work, name);

/** A library of the stock image that nothing in it loads (expat's wide-character build). */
const LIBRARY = '/usr/lib/x86_64-linux-gnu/libexpatw.so.1.8.10';
const PLANTED_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlantedPlantedPlantedPlantedPlantedPlanted0 planted';

/** One change in each place the default trees cover since they follow AIDE's configuration. */
const PLANT = [
  'printf "#!/bin/sh\\nexit 0\\n" > /usr/local/bin/planted && chmod 755 /usr/local/bin/planted',
  'mkdir /opt/planted && printf "tool\\n" > /opt/planted/tool',
  `printf "\\000" >> ${LIBRARY}`,
  'echo "alias ls=planted" >> /root/.profile',
  `echo '${PLANTED_KEY}' >> /root/.ssh/authorized_keys`,
  'useradd -m -s /bin/sh planted',
  'mkdir -m 700 /home/planted/.ssh',
  `echo '${PLANTED_KEY}' > /home/planted/.ssh/authorized_keys`,
  'chown -R planted:planted /home/planted/.ssh',
  'echo "* * * * * /usr/local/bin/planted" | crontab -',
  'printf "planted\\n" > /boot/planted-initrd.img',
];

/** `useradd` rewrites the account files and keeps their previous versions as backups ("-"). */
const ACCOUNT_FILES = [
  ...['group', 'group-', 'gshadow', 'gshadow-', 'passwd', 'passwd-', 'shadow', 'shadow-', 'subgid', 'subuid'].map(
    (name) => `files ~ /etc/${name} size,sha256`,
  ),
  'files + /etc/subgid-',
  'files + /etc/subuid-',
];

async function snapshot(instance: TestInstance, name: string): Promise<string> {
  const file = path(name);
  const run = await cli('snapshot', instance.url, ...connection(instance), '-o', file);
  expect(run.code, run.stderr).to.equal(0);
  return file;
}

async function drift(baseline: string, instance: TestInstance): Promise<{ host: HostDrift; stdout: string }> {
  const json = path(`drift-${Math.random().toString(36).slice(2)}.json`);
  const run = await cli(
    'drift',
    '--baseline',
    baseline,
    instance.url,
    ...connection(instance),
    '--ignore-file',
    path('testbed-ignore.yaml'),
    '-r',
    'cli',
    '-r',
    `json:${json}`,
  );
  expect(run.stderr).to.equal('');
  return { host: DriftReportSchema.parse(JSON.parse(readFileSync(json, 'utf8'))).hosts[0]!, stdout: run.stdout };
}

/** A reboot of an nspawn instance: its systemd stops, and the same overlay boots again. */
function reboot(instance: TestInstance): void {
  const rootfs = join(dirname(instance.keyPath), 'rootfs');
  execFileSync(join(SCRIPTS, 'stop-instance.sh'), [String(instance.index), instance.stateDir], { stdio: 'ignore' });
  execFileSync(join(SCRIPTS, 'boot-instance.sh'), [rootfs, String(instance.index), instance.stateDir], {
    stdio: 'ignore',
  });
  settle(instance);
}

describe("the default trees (AIDE's coverage) on a booted instance", function () {
  this.timeout(300_000);
  const bed = useTestbed({ base: 150, count: 1 });
  let baseline: string;

  before(async function () {
    if (bed.instances.length === 0) return this.skip();
    writeFileSync(path('testbed-ignore.yaml'), TESTBED_IGNORES);
    settle(bed.instances[0]!);
    baseline = await snapshot(bed.instances[0]!, 'baseline.json');
  });

  it('records every default tree, the library, root files and the spool', () => {
    const recorded = parseSnapshot(JSON.parse(readFileSync(baseline, 'utf8')), baseline);
    expect(recorded.fileRoots).to.deep.equal([...DEFAULT_FILE_ROOTS]);
    expect(recorded.complete, JSON.stringify(recorded.gaps)).to.equal(true);
    const paths = new Set(recorded.files.map((f) => f.path));
    for (const wanted of [LIBRARY, '/root/.ssh/authorized_keys', '/var/spool/cron/crontabs', '/boot', '/opt'])
      expect(paths.has(wanted), wanted).to.equal(true);
    expect(recorded.files.find((f) => f.path === '/bin')).to.include({ type: 'symlink', linkTarget: 'usr/bin' });
  });

  it('a reboot of the same overlay: no drift', async () => {
    const [instance] = bed.instances;
    reboot(instance!);
    const { host } = await drift(baseline, instance!);
    expect(differences(host)).to.deep.equal([]);
    expect(host.state).to.equal('no-drift');
  });

  it('a change in each newly covered place: each named, grouped under its cause, nothing else', async () => {
    const [instance] = bed.instances;
    instance!.inContainer(['sh', '-c', PLANT.join(' && ')]);
    const { host, stdout } = await drift(baseline, instance!);
    const home = [
      '/home/planted',
      ...['.bash_logout', '.bashrc', '.profile', '.ssh', '.ssh/authorized_keys'].map((name) => `/home/planted/${name}`),
    ];
    expect(differences(host).sort()).to.deep.equal(
      [
        'users + planted',
        'groups + planted',
        'cronEntries + /var/spool/cron/crontabs/root /usr/local/bin/planted',
        'files + /usr/local/bin/planted',
        'files + /opt/planted',
        'files + /opt/planted/tool',
        `files ~ ${LIBRARY} size,sha256`,
        'files ~ /root/.profile size,sha256',
        'files ~ /root/.ssh/authorized_keys size,sha256',
        ...home.map((file) => `files + ${file}`),
        'files + /var/spool/cron/crontabs/root',
        'files + /boot/planted-initrd.img',
        ...ACCOUNT_FILES,
      ].sort(),
    );
    const files = host.kinds.find((k) => k.kind === 'files')!;
    // The home and its authorized_keys came with the user; nothing else has a cause.
    expect(files.added.filter((f) => f.cause).map((f) => [f.key, f.cause!.key])).to.deep.equal(
      home.map((file) => [file, 'planted']),
    );
    expect(host.kinds.find((k) => k.kind === 'users')!.added[0]!.brought).to.deep.equal([
      { kind: 'files', count: home.length },
    ]);
    expect(stdout).to.include(`with its ${home.length} files`);
    expect(stdout).to.match(/^ {4}[+] file \/usr\/local\/bin\/planted/m);
    expect(host.state).to.equal('drift');
  });
});
