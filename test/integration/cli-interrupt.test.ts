import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DriftReportSchema } from '../../src/drift/diff-schema.js';
import { RunResultSchema } from '../../src/results/schema.js';
import { BIN, type CliRun } from '../support/cli.js';
import { handMadeSnapshot } from '../support/drift-snapshots.js';

const work = mkdtempSync(join(tmpdir(), 'driftspec-cli-interrupt-'));

/** The CLI as a user runs it, sent one SIGINT after its hosts have had time to start connecting. */
function interruptedCli(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', DRIFTSPEC_CACHE_DIR: join(work, 'cache'), SSH_AUTH_SOCK: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), 1500);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A TCP server on loopback that accepts connections and never says a word: SSH hangs in its handshake. */
function silentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  return new Promise((resolve) => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, port: (server.address() as { port: number }).port, sockets });
    });
  });
}

describe('Ctrl-C during a fleet', function () {
  this.timeout(60_000);
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let spec: string;
  before(async () => {
    silent = await silentServer();
    spec = join(work, 'spec.yaml');
    writeFileSync(spec, 'spec: interrupt\nchecks:\n  - file: /etc/passwd\n    type: file\n');
  });
  after(() => {
    for (const socket of silent.sockets) socket.destroy();
    silent.server.close();
  });

  const hung = () => ['a', 'b', 'c'].map((user) => `ssh://${user}@127.0.0.1:${silent.port}`);
  const patience = ['--connect-timeout', '30', '--concurrency', '2'];

  it('run: no more hosts start, the report holds every host as an error naming the interrupt, exit 130', async () => {
    const targets = hung().flatMap((target) => ['-t', target]);
    const run = await interruptedCli(['run', spec, ...targets, ...patience, '--format', 'json']);
    expect(run.code, run.stderr).to.equal(130);
    expect(run.stderr).to.include('interrupted: no more hosts are started');
    const result = RunResultSchema.parse(JSON.parse(run.stdout));
    expect(result.hosts.map((host) => `${host.status}: ${host.reason}`)).to.deep.equal([
      'error: interrupted (SIGINT) while this host was being checked',
      'error: interrupted (SIGINT) while this host was being checked',
      'error: interrupted (SIGINT) before this host was started',
    ]);
    expect(result.counts.passed).to.equal(0);
  });

  it('drift: the hosts not snapshotted are incomplete, never "no drift", exit 130', async () => {
    const baseline = join(work, 'baseline.json');
    writeFileSync(baseline, JSON.stringify(handMadeSnapshot()));
    const run = await interruptedCli(['drift', '--baseline', baseline, ...hung(), ...patience, '--format', 'json']);
    expect(run.code, run.stderr).to.equal(130);
    const report = DriftReportSchema.parse(JSON.parse(run.stdout));
    expect(report.hosts.map((host) => `${host.state}: ${host.reason}`)).to.deep.equal([
      'incomplete: interrupted (SIGINT) while this host was being snapshotted',
      'incomplete: interrupted (SIGINT) while this host was being snapshotted',
      'incomplete: interrupted (SIGINT) before this host was started',
    ]);
  });

  it('snapshot: writes no snapshot and exits 130', async () => {
    const output = join(work, 'never.json');
    const run = await interruptedCli(['snapshot', hung()[0]!, ...patience.slice(0, 2), '-o', output]);
    expect(run.code, run.stderr).to.equal(130);
    expect(run.stderr).to.include('interrupted (SIGINT): no snapshot written');
    expect(existsSync(output)).to.equal(false);
  });
});
