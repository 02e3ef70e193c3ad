import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { connection } from '../support/drift-e2e.js';
import { countSessions, journalCursor, sshdLogAfter } from '../support/sshd-log.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-units-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

const SOCKET =
  '[Socket]\nListenStream=8081\nListenStream=127.0.0.1:8082\nAccept=yes\n[Install]\nWantedBy=sockets.target\n';
const SOCKET_SERVICE = '[Service]\nExecStart=/bin/cat\nStandardInput=socket\n';
const SYSCTL = '# driftspec e2e\nnet.ipv4.ip_forward = 1\nnet.ipv4.conf.*.accept_redirects = 0\n';

/** An enabled socket unit with two ListenStream= and a sysctl.d file in the overlay; sshd counts sessions. */
function prepare(dirs: { upperDir: string }): void {
  countSessions(dirs);
  const put = (path: string, text: string) => {
    mkdirSync(join(dirs.upperDir, path, '..'), { recursive: true });
    writeFileSync(join(dirs.upperDir, path), text);
    chmodSync(join(dirs.upperDir, path), 0o644);
  };
  put('etc/systemd/system/driftspec-e2e.socket', SOCKET);
  put('etc/systemd/system/driftspec-e2e@.service', SOCKET_SERVICE);
  put('etc/sysctl.d/60-driftspec-e2e.conf', SYSCTL);
  mkdirSync(join(dirs.upperDir, 'etc/systemd/system/sockets.target.wants'), { recursive: true });
  symlinkSync(
    '/etc/systemd/system/driftspec-e2e.socket',
    join(dirs.upperDir, 'etc/systemd/system/sockets.target.wants/driftspec-e2e.socket'),
  );
}

const UNITS_SPEC = `spec: units-e2e
checks:
  - systemd_unit: driftspec-e2e.socket
    exists: true
    enabled: true
    active: true
    subState: listening
    property: { name: Listen, value: '127.0.0.1:8082 (Stream)' }
  - systemd_unit: driftspec-e2e.socket
    property: { name: Listen, value: { contains: ['[::]:8081 (Stream)', '127.0.0.1:8082 (Stream)'] } }
  - systemd_unit: ssh.socket
    exists: true
    enabled: false
    active: false
  - systemd_unit: -.mount
    active: true
    property: { name: Where, value: / }
  - systemd_unit: multi-user.target
    active: true
    enabledState: static
  - systemd_unit: apt-daily.timer
    enabled: true
    subState: waiting
  - systemd_unit: systemd-ask-password-console.path
    active: true
  - systemd_unit: system.slice
    active: true
  - systemd_unit: init.scope
    subState: running
  - systemd_unit: dev-null.device
    loadState: loaded
  - systemd_unit: no-such.socket
    exists: false
    loadState: not-found
  - service: ssh
    running: true
  - kernel_parameter: net.ipv4.ip_forward
    configured: 1
  - kernel_parameter: net.ipv4.conf.all.accept_redirects
    configured: 0
  - kernel_parameter: kernel.pid_max
    configured: 4194304
`;

const APPLIED_SPEC = `spec: sysctl-applied-e2e
checks:
  - kernel_parameter: net.ipv4.ip_forward
    applied: true
`;

describe('systemd units of every type and configured kernel parameters on a booted instance', function () {
  this.timeout(600_000);
  const bed = useTestbed({ base: 228, count: 1, prepare });
  const instance = (): TestInstance => bed.instances[0]!;

  async function run(spec: string, name: string) {
    const path = join(work, name);
    writeFileSync(path, spec);
    const run = await cli('run', path, '-t', instance().url, ...connection(instance()), '--format', 'json');
    return { run, host: RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]! };
  }

  it('judges every unit type and the configured values in one exec (counted by sshd)', async () => {
    const cursor = journalCursor(instance());
    const { run: result, host } = await run(UNITS_SPEC, 'units.yaml');
    const notPassed = host.results.filter((r) => r.status !== 'passed').map((r) => `${r.status}: ${r.message}`);
    expect(notPassed).to.deep.equal([]);
    expect(host.results.length).to.equal(25);
    expect(result.code, result.stderr).to.equal(0);
    const log = await sshdLogAfter(instance(), cursor, (lines) =>
      lines.some((l) => /^Disconnected from user root /.test(l)),
    );
    expect(log.filter((l) => l.startsWith('Starting session:'))).to.have.length(1);
  });

  it('a configured value that is not live fails with both values, and passes once applied', async () => {
    // systemd-sysctl does not run in a container whose /proc/sys is read-only: nothing was applied.
    // A new network namespace takes the host's IPv4 settings, so the value is set to 0 here first.
    instance().inNamespace(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=0']);
    const before = await run(APPLIED_SPEC, 'applied.yaml');
    expect(before.host.results.map((r) => `${r.status}: ${r.message}`)).to.deep.equal([
      'failed: expected kernel parameter net.ipv4.ip_forward to have its configured value live, but ' +
        'configured "1", live "0" (set by /etc/sysctl.d/60-driftspec-e2e.conf line 2)',
    ]);
    // The container's /proc/sys is read-only; its network namespace is written from the host.
    instance().inNamespace(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    const after = await run(APPLIED_SPEC, 'applied.yaml');
    expect(after.host.results.map((r) => r.status)).to.deep.equal(['passed']);
    expect(after.run.code, after.run.stderr).to.equal(0);
  });
});
