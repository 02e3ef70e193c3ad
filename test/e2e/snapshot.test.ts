import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DEFAULT_FILE_ROOTS } from '../../src/drift/snapshot-defaults.js';
import { parseSnapshot, type Snapshot } from '../../src/drift/snapshot-schema.js';
import { unifiedDiff } from '../../src/drift/text-diff.js';
import { RunResultSchema, type RunResult } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { countSessions, journalCursor, sessionsAfter } from '../support/sshd-log.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-snapshot-'));
const cli = (...args: string[]) => runCli(args, join(work, 'cache'));

describe('driftspec snapshot and generate against a booted instance', function () {
  this.timeout(600_000);
  const bed = useTestbed({ base: 100, count: 1, prepare: countSessions });
  const instance = (): TestInstance => bed.instances[0]!;
  const ssh = () => ['-i', instance().keyPath, '--known-hosts', instance().knownHostsPath];
  const baseline = join(work, 'baseline.json');
  let snapshot: Snapshot;

  it('snapshots a stock instance over SSH in ONE exec, complete, with every kind recorded', async () => {
    const cursor = journalCursor(instance());
    const started = Date.now();
    const run = await cli('snapshot', instance().url, ...ssh(), '-o', baseline);
    const elapsed = Date.now() - started;
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.match(
      new RegExp(
        /^snapshot of ssh:\/\/root@10\.231\.\d+\.2:22 \(Debian GNU\/Linux 12 \(bookworm\)\) in [\d.]+ s: /.source +
          /\d+ packages, \d+ services, 4 listeners, \d+ users, \d+ groups, \d+ kernel parameters, \d+ mounts, /.source +
          /\d+ sshd settings, \d+ kernel modules, 2 interfaces, \d+ routes, \d+ cron entries, /.source +
          /\d+ systemd timers, \d+ iptables chains, \d+ nftables chains, 2 security module settings, /.source +
          /\d+ files → /.source,
        'm',
      ),
    );
    expect(run.stderr).to.include('complete: nothing was left unread');
    snapshot = parseSnapshot(JSON.parse(readFileSync(baseline, 'utf8')), baseline);
    expect(snapshot).to.include({ schemaVersion: 1, target: instance().url, complete: true });
    expect(snapshot.tool).to.deep.equal({ name: 'driftspec', version: '0.1.0' });
    expect(snapshot.takenAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(snapshot.host.hostname).to.equal(instance().name);
    expect(snapshot.packages.find((p) => p.name === 'nginx-light')).to.include({ manager: 'dpkg', state: 'installed' });
    expect(snapshot.services.find((s) => s.name === 'nginx')).to.deep.equal({
      name: 'nginx',
      enabled: 'enabled',
      active: 'active',
      sub: 'running',
    });
    expect(
      snapshot.listeners.map((l) => `${l.protocol} ${l.address}:${l.port} ${l.processes?.join(',')}`),
    ).to.deep.equal(['tcp4 0.0.0.0:22 sshd', 'tcp6 :::22 sshd', 'tcp4 0.0.0.0:80 nginx', 'tcp6 :::80 nginx']);
    expect(snapshot.users.find((u) => u.name === 'www-data')).to.include({ uid: 33, shell: '/usr/sbin/nologin' });
    expect(snapshot.kernelParameters['net.ipv4.ip_forward']).to.match(/^[01]$/);
    expect(snapshot.mounts.find((m) => m.point === '/')).to.include({ filesystem: 'overlay' });
    expect(snapshot.fileRoots).to.deep.equal([...DEFAULT_FILE_ROOTS]);
    const nginxUnit = snapshot.files.find((f) => f.path === '/usr/lib/systemd/system/nginx.service');
    expect(nginxUnit).to.include({ type: 'file', mode: '0644', owner: 'root', group: 'root' });
    expect(nginxUnit!.sha256).to.equal(sha256Remote(instance(), '/usr/lib/systemd/system/nginx.service'));
    expect(snapshot.files.find((f) => f.path === '/usr/bin/sudo')).to.include({ mode: '4755' });
    expect(
      snapshot.files.filter((f) => f.path === '/etc/machine-id' || f.path.startsWith('/etc/ssh/ssh_host_')),
    ).to.deep.equal([]);

    const { sessions, log } = await sessionsAfter(instance(), cursor);
    expect(sessions, log).to.have.length(1);
    console.log(`      (snapshot over SSH: ${elapsed} ms wall for the CLI, ${snapshot.files.length} files)`);
  });

  it('writes the same state to the same bytes (apart from the time)', async () => {
    // Two snapshots taken back to back. A booted system may still create or remove a file under
    // the roots between two of them: then the pair after it must agree, and what differed is shown.
    const takeSnapshot = async (name: string) => {
      const path = join(work, name);
      const run = await cli('snapshot', instance().url, ...ssh(), '-o', path);
      expect(run.code, run.stderr).to.equal(0);
      return readFileSync(path, 'utf8').replace(/"takenAt": "[^"]+"/, '');
    };
    let previous = await takeSnapshot('again-0.json');
    const changes: string[] = [];
    for (let pair = 1; pair <= 3; pair++) {
      const next = await takeSnapshot(`again-${pair}.json`);
      if (next === previous) {
        if (changes.length > 0) console.log(`      (the instance changed between snapshots:\n${changes.join('\n')})`);
        return;
      }
      changes.push(`pair ${pair}:\n${firstLines(unifiedDiff(previous, next), 60)}`);
      previous = next;
    }
    expect.fail(`three pairs of snapshots taken back to back differed:\n${changes.join('\n')}`);
  });

  it('generates a YAML and a TypeScript spec that pass on the source instance', async () => {
    for (const format of ['yaml', 'ts']) {
      const spec = join(work, `baseline.${format}`);
      const generated = await cli('generate', '--from', baseline, '-o', spec);
      expect(generated.code, generated.stderr).to.equal(0);
      const run = await cli('run', spec, '-t', instance().url, ...ssh(), '--format', 'json');
      const result = RunResultSchema.parse(JSON.parse(run.stdout));
      expect(run.code, failures(result).join('\n') + run.stderr).to.equal(0);
      expect(result.hosts[0]).to.include({ status: 'completed', execCount: 1 });
      expect(result.hosts[0]!.results.length).to.be.greaterThan(300);
    }
  });

  it('fails on the changed instance: exactly nginx stopped, a user added, a file chmod-ed, sudo purged', async () => {
    instance().inContainer([
      'sh',
      '-c',
      'systemctl stop nginx && useradd -m -u 1001 intruder && chmod 0600 /etc/crontab && SUDO_FORCE_REMOVE=yes dpkg ' +
        '--purge sudo >/dev/null 2>&1',
    ]);
    const run = await cli('run', join(work, 'baseline.yaml'), '-t', instance().url, ...ssh(), '--format', 'json');
    expect(run.code, run.stderr).to.equal(1);
    const result = RunResultSchema.parse(JSON.parse(run.stdout));
    const failed = result.hosts[0]!.results.filter((r) => r.status !== 'passed');
    expect(
      failed.every((r) => r.status === 'failed'),
      failures(result).join('\n'),
    ).to.equal(true);
    const sudoFiles = ['/usr/bin/sudo', '/etc/sudoers', '/etc/sudoers.d', '/etc/sudoers.d/README'];
    const named = new Set(
      failed.map((r) =>
        r.resource === 'command' ? `command ${r.matcher}` : `${r.resource} ${String(r.subject)} ${r.matcher}`,
      ),
    );
    expect([...named].sort()).to.deep.equal(
      [
        'package sudo installed',
        'service nginx running',
        'port 80 listening',
        'port 80 process',
        'command stdout',
        'file /etc/crontab mode',
        ...sudoFiles.flatMap((path) => ['type', 'mode', 'owner', 'group'].map((matcher) => `file ${path} ${matcher}`)),
      ].sort(),
    );
    const messages = failed.map((r) => r.message);
    expect(messages).to.include('expected service nginx to be running, but it is inactive (dead)');
    expect(messages).to.include('expected file /etc/crontab to have mode 0644, but got 0600');
    expect(messages.filter((m) => m.endsWith('to print on stdout "", but got "intruder\\n"'))).to.have.length(2);
    expect(messages.find((m) => m.startsWith('expected package sudo to be installed'))).to.include(
      'it is not installed',
    );
  });
});

function firstLines(text: string, count: number): string {
  const lines = text.split('\n');
  return lines.length > count ? [...lines.slice(0, count), `… ${lines.length - count} more lines`].join('\n') : text;
}

function failures(result: RunResult): string[] {
  return result.hosts.flatMap((host) =>
    host.results.filter((r) => r.status !== 'passed').map((r) => `${r.status}: ${r.message}`),
  );
}

function sha256Remote(instance: TestInstance, path: string): string {
  return instance.inContainer(['sha256sum', path]).split(' ')[0]!;
}
