import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DriftReportSchema, type DriftReport } from '../../src/drift/diff-schema.js';
import { runCli } from '../support/cli.js';
import { connection, differences, settle, SUDO_FILES, TESTBED_IGNORES } from '../support/drift-e2e.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';
import { hasXmllint, schemaErrors, writeXml, xpath } from '../support/xmllint.js';

const SCRIPTS = fileURLToPath(new URL('../testbed/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-drift-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));
const path = (name: string) => join(work, name);

/** `useradd extra` rewrites the account files and keeps their previous versions as backups ("-"). */
const ACCOUNT_FILES = [
  '/etc/group',
  '/etc/group-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/passwd',
  '/etc/passwd-',
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/subgid',
  '/etc/subuid',
];

async function snapshot(instance: TestInstance, name: string): Promise<string> {
  const file = path(name);
  const run = await cli('snapshot', instance.url, ...connection(instance), '-o', file);
  expect(run.code, run.stderr).to.equal(0);
  return file;
}

async function drift(
  args: string[],
): Promise<{ code: number | null; report: DriftReport; stdout: string; stderr: string }> {
  const json = path(`drift-${Math.random().toString(36).slice(2)}.json`);
  const run = await cli(
    'drift',
    ...args,
    '--ignore-file',
    path('testbed-ignore.yaml'),
    '-r',
    'cli',
    '-r',
    `json:${json}`,
  );
  return {
    code: run.code,
    stdout: run.stdout,
    stderr: run.stderr,
    report: DriftReportSchema.parse(JSON.parse(readFileSync(json, 'utf8'))),
  };
}

/** The start links sudo's postinst made: its purge removes them, but they are not in its file list. */
const SUDO_START_LINKS = SUDO_FILES.filter((file) => /^\/etc\/rc\d\.d\//.test(file));

/**
 * The paths of a purged package's file list that the baseline recorded and that are gone from the
 * instance now, sorted: shared directories (/usr/share/doc) stay, the package's own files go.
 */
function removedByPurge(instance: TestInstance, listed: readonly string[], baselineFile: string): string[] {
  const recorded = new Set(
    (JSON.parse(readFileSync(baselineFile, 'utf8')) as { files: Array<{ path: string }> }).files.map((f) => f.path),
  );
  const gone = instance
    .inContainer(['sh', '-c', 'for f; do [ -e "$f" ] || [ -h "$f" ] || echo "$f"; done', 'sh', ...listed])
    .split('\n');
  // On a merged /usr, dpkg names /lib/systemd/system/sudo.service, which the walk records under /usr.
  const asRecorded = (path: string) => (!recorded.has(path) && /^\/(bin|sbin|lib)\//.test(path) ? `/usr${path}` : path);
  return gone
    .map(asRecorded)
    .filter((path) => recorded.has(path))
    .sort();
}

/** A reboot of an nspawn instance: its systemd stops, and the same overlay (the same "disk") boots again. */
function reboot(instance: TestInstance): void {
  const rootfs = join(dirname(instance.keyPath), 'rootfs');
  execFileSync(join(SCRIPTS, 'stop-instance.sh'), [String(instance.index), instance.stateDir], { stdio: 'ignore' });
  execFileSync(join(SCRIPTS, 'boot-instance.sh'), [rootfs, String(instance.index), instance.stateDir], {
    stdio: 'ignore',
  });
  settle(instance);
}

describe('drift on booted instances', function () {
  this.timeout(180_000);
  const bed = useTestbed({ base: 120, count: 3 });
  let baseline: string;

  before(async function () {
    if (bed.instances.length === 0) return this.skip();
    writeFileSync(path('testbed-ignore.yaml'), TESTBED_IGNORES);
    for (const instance of bed.instances) settle(instance);
    baseline = await snapshot(bed.instances[0]!, 'baseline.json');
  });

  it("a stock instance against another's baseline: no drift beyond the test bed's per-instance files", async () => {
    const [, , other] = bed.instances;
    const { code, report } = await drift(['--baseline', baseline, other!.url, ...connection(other!)]);
    expect(differences(report.hosts[0]!)).to.deep.equal([]);
    expect(report.hosts[0]!.state).to.equal('no-drift');
    // Per instance: the "/" mount's options, /etc/hosts, eth0's MAC and /30, its /30 route.
    expect(report.hosts[0]!.counts.ignored).to.equal(6);
    expect(code).to.equal(0);
  });

  it('a changed instance: the report names exactly the changes made, and nothing else', async () => {
    const changed = bed.instances[1]!;
    const sudoListed = changed
      .inContainer(['dpkg-query', '-L', 'sudo'])
      .split('\n')
      .filter((line) => line !== '');
    changed.inContainer([
      'sh',
      '-c',
      [
        'useradd extra',
        'systemd-run --quiet --unit=extra-listener systemd-socket-activate -l 8081 cat',
        'chmod 4755 /usr/bin/tee',
        "echo '# drift' >> /etc/nginx/nginx.conf",
        'systemctl stop cron',
        'SUDO_FORCE_REMOVE=yes dpkg --purge sudo >/dev/null 2>&1',
        // systemd-run returns once the unit is started; the socket is bound a moment later.
        'for i in $(seq 50); do ss -Htln | grep -q ":8081 " && break; sleep 0.1; done',
      ].join(' && '),
    ]);
    const sudoRemoved = removedByPurge(changed, sudoListed, baseline);
    const junit = path('changed.xml');
    const { code, report, stdout } = await drift([
      '--baseline',
      baseline,
      changed.url,
      ...connection(changed),
      '-r',
      `junit:${junit}`,
    ]);
    const host = report.hosts[0]!;
    expect(differences(host).sort()).to.deep.equal(
      [
        'packages - sudo:amd64',
        'services + extra-listener',
        'services ~ cron active,sub',
        'services - sudo',
        'listeners + tcp6 [::]:8081',
        'users + extra',
        'groups + extra',
        'files + /etc/subgid-',
        'files + /etc/subuid-',
        ...ACCOUNT_FILES.map((file) => `files ~ ${file} size,sha256`),
        'files ~ /etc/nginx/nginx.conf size,sha256',
        'files ~ /usr/bin/tee mode',
        ...[...SUDO_START_LINKS, ...sudoRemoved].map((file) => `files - ${file}`),
      ].sort(),
    );
    const files = host.kinds.find((k) => k.kind === 'files')!;
    expect(files.changed.find((c) => c.key === '/usr/bin/tee')!.changes).to.deep.equal([
      { attribute: 'mode', old: '0755', new: '4755' },
    ]);
    const cron = host.kinds.find((k) => k.kind === 'services')!.changed[0]!;
    expect(cron.changes).to.deep.equal([
      { attribute: 'active', old: 'active', new: 'inactive' },
      { attribute: 'sub', old: 'running', new: 'dead' },
    ]);
    expect(host.kinds.find((k) => k.kind === 'users')!.added[0]!.gate?.rule).to.equal('new user (built-in rule)');
    expect(host.kinds.find((k) => k.kind === 'listeners')!.added[0]!.gate?.rule).to.equal(
      'new listening port (built-in rule)',
    );
    expect(files.changed.find((c) => c.key === '/usr/bin/tee')!.gate?.rule).to.equal(
      'new SUID/SGID file (built-in rule)',
    );
    expect(host.state).to.equal('drift');
    expect(code, stdout).to.equal(1 | 2 | 4);
    const removed = 2 + SUDO_START_LINKS.length + sudoRemoved.length;
    expect(stdout).to.include(`Result: blocked: 6 added, ${removed} removed, 13 changed (exit 7)`);
    // sudo's files that dpkg lists are told under the package; the start links its postinst made are not its files.
    const sudoFiles = files.removed.filter((f) => f.cause?.key === 'sudo:amd64').map((f) => f.key);
    expect(sudoFiles).to.deep.equal(sudoRemoved);
    expect(sudoFiles).to.include.members(SUDO_FILES.filter((f) => !SUDO_START_LINKS.includes(f)));
    expect(host.kinds.find((k) => k.kind === 'packages')!.removed[0]!.brought).to.deep.equal([
      { kind: 'files', count: sudoFiles.length },
    ]);
    expect(stdout).to.include(`with its ${sudoFiles.length} files`).and.not.include('- file /usr/bin/sudo');
    if (hasXmllint()) {
      const xml = writeXml(readFileSync(junit, 'utf8'));
      expect(schemaErrors(xml)).to.equal(null);
      expect(Number(xpath(xml, 'count(/testsuites/testsuite/testcase)'))).to.equal(
        differences(host).length - sudoFiles.length,
      );
    }
  });

  it('the same instance after a reboot: no drift', async () => {
    const [instance] = bed.instances;
    reboot(instance!);
    const { code, report } = await drift(['--baseline', baseline, instance!.url, ...connection(instance!)]);
    expect(differences(report.hosts[0]!)).to.deep.equal([]);
    expect(report.hosts[0]!.state).to.equal('no-drift');
    expect(code).to.equal(0);
  });

  it('an instance that is not running is incomplete, never "no drift"', async () => {
    const [, , stopped] = bed.instances;
    execFileSync(join(SCRIPTS, 'stop-instance.sh'), [String(stopped!.index), stopped!.stateDir], { stdio: 'ignore' });
    const { code, report } = await drift([
      '--baseline',
      baseline,
      stopped!.url,
      ...connection(stopped!),
      '--connect-timeout',
      '3',
    ]);
    expect(report.hosts[0]!.state).to.equal('incomplete');
    expect(report.hosts[0]!.reason).to.match(/^unreachable: /);
    expect(code).to.equal(8);
  });
});
