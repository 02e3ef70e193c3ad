import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { shellQuote } from '../../src/probe/quote.js';
import { RunResultSchema, type HostResult, type RunResult } from '../../src/results/schema.js';
import { cliArgv, cliEnvironment, runCli, type CliRun } from '../support/cli.js';
import { requireInCi } from '../support/environment.js';
import { useTestbed, type TestInstance } from '../support/testbed.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-fleet-'));
/** An empty home: no ~/.ssh/config, default keys or known_hosts of the machine running the tests. */
const home = join(work, 'home');
mkdirSync(home);
const CONNECT_TIMEOUT_S = 3;

/** Six instances, one role each; all but the first two are broken in before(). */
const ROLES = ['healthy-1', 'healthy-2', 'stopped', 'dropping', 'wrong-key', 'changed-key'] as const;
type Role = (typeof ROLES)[number];

const SPEC = `spec: fleet
checks:
  - file: /etc/hostname
    content: { matches: '^img[0-9]+$', flags: m }
  - file: /etc/os-release
    exists: true
  - service: ssh
    running: true
`;

describe('a fleet run over booted instances, some of them broken', function () {
  this.timeout(120_000);
  const bed = useTestbed({ base: 40, count: ROLES.length });
  const instance = (role: Role): TestInstance => bed.instances[ROLES.indexOf(role)]!;
  const paths = {
    spec: join(work, 'fleet.yaml'),
    inventory: join(work, 'inventory.yaml'),
    knownHosts: join(work, 'known_hosts'),
  };

  before(function () {
    if (bed.instances.length !== ROLES.length) return this.skip();
    writeFileSync(paths.spec, SPEC);
    writeFileSync(paths.knownHosts, bed.instances.map((i) => readFileSync(i.knownHostsPath, 'utf8')).join(''));
    writeFileSync(paths.inventory, inventoryFor(bed.instances));
    breakInstances();
  });

  function breakInstances(): void {
    // Nothing listens on port 22 any more: the kernel answers with a reset.
    instance('stopped').inContainer(['systemctl', 'stop', 'ssh.service']);
    // Replies to the host vanish inside the instance's namespace: SYN-ACKs never arrive.
    const dropping = instance('dropping');
    dropping.inNamespace(['ip', 'route', 'add', 'blackhole', `10.231.${dropping.index}.1/32`]);
    // sshd runs, but no key may log in as root.
    instance('wrong-key').inContainer(['rm', '-f', '/root/.ssh/authorized_keys']);
    // A re-imaged host: new host keys, so known_hosts no longer matches.
    const changed = instance('changed-key');
    changed.inContainer([
      'sh',
      '-c',
      'rm -f /etc/ssh/ssh_host_*key* && ssh-keygen -A >/dev/null && systemctl restart ssh.service',
    ]);
    const presented = changed.inContainer(['ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub']).split(' ')[1];
    expect(presented)
      .to.match(/^SHA256:/)
      .and.not.equal(changed.hostKeyFingerprint);
  }

  const cli = (...args: string[]): Promise<CliRun> => runCli(args, join(work, 'cache'), { HOME: home });
  const fleetArgs = (...extra: string[]) => [
    'run',
    paths.spec,
    '--inventory',
    paths.inventory,
    '--known-hosts',
    paths.knownHosts,
    '--format',
    'json',
    ...extra,
  ];

  it('ends every host in its own terminal state within the connect timeout, and exits 2', async () => {
    const started = Date.now();
    const run = await cli(...fleetArgs('--connect-timeout', String(CONNECT_TIMEOUT_S)));
    const wallMs = Date.now() - started;
    expect(run.code, run.stderr).to.equal(2);
    const result = RunResultSchema.parse(JSON.parse(run.stdout));
    const byName = hostsByInventoryName(result);
    expect([...byName.keys()]).to.deep.equal([...ROLES]);

    for (const role of ['healthy-1', 'healthy-2'] as const) {
      const host = byName.get(role)!;
      expect(host.status, host.reason).to.equal('completed');
      expect(host.target).to.equal(instance(role).url);
      expect(host.host?.hostname).to.equal(instance(role).name);
      expect(host.results.map((r) => `${r.status}: ${r.message}`)).to.satisfy((lines: string[]) =>
        lines.every((line) => line.startsWith('passed')),
      );
      expect(host.counts).to.deep.equal({ passed: 3, failed: 0, error: 0, skipped: 0 });
      expect(host.execCount).to.equal(1);
      expect(host.inventory).to.deep.equal({ name: role, groups: ['healthy', 'fleet'], tags: ['debian'] });
    }
    const expectations: Record<Exclude<Role, 'healthy-1' | 'healthy-2'>, { kind: string; reason: string }> = {
      stopped: { kind: 'refused', reason: `cannot connect to ${instance('stopped').address}:22: connection refused` },
      dropping: {
        kind: 'timeout',
        reason: `no answer from ${instance('dropping').address}:22 within the ${CONNECT_TIMEOUT_S} s connect timeout`,
      },
      'wrong-key': {
        kind: 'auth',
        reason: `${instance('wrong-key').address}:22 refused the login as "root": tried key ED25519`,
      },
      'changed-key': { kind: 'host-key', reason: `host key mismatch for ${instance('changed-key').address}:22` },
    };
    for (const [role, expected] of Object.entries(expectations)) {
      const host = byName.get(role)!;
      expect({ role, status: host.status, kind: host.reasonKind }).to.deep.equal({
        role,
        status: 'unreachable',
        kind: expected.kind,
      });
      expect(host.reason).to.include(expected.reason);
      expect(host.execCount).to.equal(0);
      expect(
        host.results.every((r) => r.status === 'error' && r.message.startsWith('not checked: host unreachable: ')),
      ).to.equal(true);
    }

    // Hosts run side by side: all start at once, and the run takes about one connect timeout.
    const starts = result.hosts.map((host) => Date.parse(host.startedAt));
    expect(Math.max(...starts) - Math.min(...starts)).to.be.below(1000);
    const runMs = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
    expect(runMs).to.be.within(CONNECT_TIMEOUT_S * 1000 - 100, CONNECT_TIMEOUT_S * 1000 + 1500);
    // The wall time adds starting node and loading the spec (slow on a busy machine).
    expect(wallMs).to.be.below(CONNECT_TIMEOUT_S * 1000 + 8000);
    console.log(`      fleet of ${result.hosts.length}: run ${runMs} ms, wall ${wallMs} ms`);
    expect(result.verdict?.exitCode).to.equal(2);
    expect(result.counts).to.deep.equal({ passed: 6, failed: 0, error: 12, skipped: 0 });
    // stderr is not a terminal: one plain progress line per host, nothing rewritten.
    expect(run.stderr).not.to.include('\r');
    expect(run.stderr).not.to.include('hosts ·');
    expect(run.stderr.match(/^\[\d+\/\d+\] \S+ /gm)).to.have.length(result.hosts.length);
  });

  it('cuts a host short at --host-timeout, even when the connect timeout is longer', async () => {
    const started = Date.now();
    const run = await cli(
      ...fleetArgs('--connect-timeout', '30', '--host-timeout', '2', '--limit', 'dropping,healthy-1'),
    );
    const wallMs = Date.now() - started;
    expect(run.code, run.stderr).to.equal(2);
    const byName = hostsByInventoryName(RunResultSchema.parse(JSON.parse(run.stdout)));
    expect([...byName.keys()]).to.deep.equal(['healthy-1', 'dropping']);
    expect(byName.get('healthy-1')!.status).to.equal('completed');
    const dropping = byName.get('dropping')!;
    expect([dropping.status, dropping.reasonKind]).to.deep.equal(['unreachable', 'timeout']);
    expect(dropping.reason).to.equal(
      `${instance('dropping').url} did not finish within the 2 s host timeout (connecting, logging in and running ` +
        `the probe)`,
    );
    expect(dropping.durationMs).to.be.within(1900, 3000);
    // The abandoned connection attempt does not keep the process alive until the connect timeout.
    expect(wallMs).to.be.below(2000 + 8000);
    console.log(`      host timeout 2 s, connect timeout 30 s: wall ${wallMs} ms`);
  });

  it('checks only the hosts --limit selects, and combines --inventory with --target', async () => {
    const healthy = await cli(...fleetArgs('--limit', 'healthy'));
    expect(healthy.code, healthy.stdout + healthy.stderr).to.equal(0);
    expect([...hostsByInventoryName(RunResultSchema.parse(JSON.parse(healthy.stdout))).keys()]).to.deep.equal([
      'healthy-1',
      'healthy-2',
    ]);

    const combined = await cli(
      ...fleetArgs(
        '--limit',
        'healthy-1',
        '--target',
        instance('healthy-2').url,
        '--identity',
        instance('healthy-2').keyPath,
      ),
    );
    expect(combined.code, combined.stdout + combined.stderr).to.equal(0);
    const result = RunResultSchema.parse(JSON.parse(combined.stdout));
    expect(result.hosts.map((h) => [h.target, h.inventory?.name ?? null, h.status])).to.deep.equal([
      [instance('healthy-2').url, null, 'completed'],
      [instance('healthy-1').url, 'healthy-1', 'completed'],
    ]);

    const twice = await cli(...fleetArgs('--limit', 'healthy-1', '--target', instance('healthy-1').url));
    expect(twice.code).to.equal(64);
    expect(twice.stderr).to.include(`${instance('healthy-1').url} is both a --target and inventory host "healthy-1"`);
  });

  it('shows one updating progress line on a terminal, and the same result', async function () {
    if (spawnSync('sh', ['-c', 'command -v script']).status !== 0)
      return requireInCi(this, 'the progress test needs script(1) (bsdutils) for a terminal');
    const output = join(work, 'tty-result.json');
    // script(1) gives the CLI a terminal; stdout goes to a file so only stderr is on it.
    const argv = cliArgv(fleetArgs('--connect-timeout', String(CONNECT_TIMEOUT_S))).map(shellQuote);
    const command = `${argv.join(' ')} > ${shellQuote(output)}`;
    const terminal = await runInTerminal(command);
    expect(terminal.code, terminal.output).to.equal(0); // script's own status; the CLI's is in the log line below
    const updates = terminal.output.split('\r\u001b[2K').filter((line) => line.startsWith('driftspec: '));
    expect(updates[0]).to.match(/^driftspec: 0\/6 hosts · 0 passed · 0 failed · 0 error · 0 unreachable · \d+\.\d s$/);
    expect(updates.at(-1)).to.match(
      /^driftspec: 6\/6 hosts · 2 passed · 0 failed · 0 error · 4 unreachable · \d+\.\d s$/,
    );
    expect(updates.map((line) => Number(/ (\d)\/6 /.exec(line)![1]))).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    expect(terminal.output).to.include('exit=2');
    expect(RunResultSchema.parse(JSON.parse(readFileSync(output, 'utf8'))).hosts).to.have.length(6);
  });

  function hostsByInventoryName(result: RunResult): Map<string, HostResult> {
    return new Map(result.hosts.map((host) => [host.inventory?.name ?? host.target, host]));
  }

  function runInTerminal(command: string): Promise<{ code: number | null; output: string }> {
    const env = cliEnvironment(join(work, 'cache'), { HOME: home, TERM: 'xterm' });
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', `${command}; echo exit=$?`, '/dev/null'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
  }
});

function inventoryFor(instances: readonly TestInstance[]): string {
  const lines = ['defaults:', '  user: root', `  identity: ${JSON.stringify(instances[0]!.keyPath)}`, 'hosts:'];
  ROLES.forEach((role, i) => {
    lines.push(`  ${role}:`, `    host: ${instances[i]!.address}`);
    if (role.startsWith('healthy')) lines.push('    tags: [debian]');
  });
  lines.push(
    'groups:',
    '  healthy: [healthy-1, healthy-2]',
    '  broken:',
    '    hosts: [stopped, dropping, wrong-key, changed-key]',
    '  fleet:',
    '    groups: [healthy, broken]',
    '',
  );
  return lines.join('\n');
}
