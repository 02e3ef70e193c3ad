import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FleetSimulator, makeSimKeys, ProbeRecordings, runProbeHere, writeInventory } from '../../bench/sim/sweep.js';
import { EXIT } from '../../src/gate/exit-codes.js';
import { NOT_PLAIN, readPlainYamlMap } from '../../src/inputs/plain-yaml.js';
import { parseTimingLines, RUN_PHASES, type PhaseMark } from '../../src/engine/timeline.js';
import { runCli } from '../support/cli.js';

/** A TCP server that accepts and never speaks: it counts the connections and knows which are still open. */
class SilentServer {
  accepted = 0;
  readonly open = new Set<Socket>();
  private readonly server: Server = createServer((socket) => {
    this.accepted++;
    this.open.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => this.open.delete(socket));
    // Read (and drop) what arrives, so that the client's end is seen.
    socket.resume();
  });

  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)),
    );
  }

  close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A spec that takes `ms` to load (the time a large spec or a slow TypeScript import takes); a
 * `broken` one is then refused (a mode that is not octal: exit 78).
 */
function slowSpec(ms: number, options: { broken?: boolean } = {}): string {
  return `import { spec, file } from 'driftspec';
await new Promise((resolve) => setTimeout(resolve, ${ms}));
export default spec('slow', () => {
  file('/etc/passwd').${options.broken ? 'mode(777)' : 'exists()'};
});
`;
}

/** A YAML spec of `checks` checks of one file: reading and planning it takes a while. */
/**
 * A spec the plain YAML reader leaves to the `yaml` package (its document start marker), whose
 * parser takes long enough here to show that it lets the handshake move on.
 */
function largeYamlSpec(checks: number): string {
  const lines = Array.from({ length: checks }, () => '  - { file: /etc/passwd, exists: true }');
  return ['---', 'spec: large', 'checks:', ...lines, ''].join('\n');
}

function markOf(marks: readonly PhaseMark[], phase: PhaseMark['phase']): number {
  const mark = marks.find((m) => m.phase === phase);
  expect(mark, phase).to.not.equal(undefined);
  return mark!.atMs;
}

describe('CLI: connections opened while the spec is read, and --timings', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-early-connect-'));
  const cacheDir = join(dir, 'cache');
  const keys = makeSimKeys(dir);
  const recordings = new ProbeRecordings(runProbeHere);
  const simulator = new FleetSimulator({
    hostKey: keys.hostKey,
    clientPublicKey: keys.clientPublicKey,
    latencyMs: 5,
    answer: (script) => recordings.answer(script),
  });
  const silent = new SilentServer();
  let silentPort = 0;
  const at = (name: string) => join(dir, name);
  const common = () => ['--host-key', keys.hostKeyFingerprint, '--no-ssh-config', '--identity', keys.clientKeyPath];

  before(async () => {
    const ports = await simulator.listen();
    silentPort = await silent.listen();
    writeInventory(at('fleet.yaml'), { hosts: 1, refused: 0, silent: 0 }, ports, keys);
    writeFileSync(at('slow.ts'), slowSpec(1500));
    writeFileSync(at('broken.ts'), slowSpec(1000, { broken: true }));
    writeFileSync(at('large.yaml'), largeYamlSpec(3000));
  });
  after(async () => {
    await simulator.close();
    await silent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is logged in before a slow spec is read, probes once, and prints every phase in order', async () => {
    const run = await runCli(
      ['run', at('slow.ts'), '--inventory', at('fleet.yaml'), ...common(), '--timings', '-q'],
      cacheDir,
    );
    expect(run.code, run.stderr).to.equal(EXIT.passed);
    const marks = parseTimingLines(run.stderr);
    expect(marks.map((m) => m.phase)).to.have.members([...RUN_PHASES]);
    expect(marks.filter((m) => RUN_PHASES.indexOf(m.phase) >= 3).map((m) => m.host)).to.satisfy((hosts: string[]) =>
      hosts.slice(0, -1).every((host) => host === hosts[0] && host.startsWith('ssh://h0001@127.0.0.1')),
    );
    // The handshake overlapped the spec's loading.
    expect(markOf(marks, 'ssh-ready')).to.be.below(markOf(marks, 'spec-read'));
    const times = RUN_PHASES.filter((phase) => !['tcp-connected', 'ssh-ready'].includes(phase)).map((phase) =>
      markOf(marks, phase),
    );
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    expect(simulator.stats.logins).to.equal(1);
    expect(simulator.stats.probes).to.equal(1);
  });

  it('lets the handshake move on while the yaml package reads and plans a large spec', async () => {
    expect(readPlainYamlMap(readFileSync(at('large.yaml'), 'utf8'))).to.equal(NOT_PLAIN);
    const run = await runCli(
      ['run', at('large.yaml'), '--inventory', at('fleet.yaml'), ...common(), '--timings', '-q'],
      cacheDir,
    );
    expect(run.code, run.stderr).to.equal(EXIT.passed);
    const marks = parseTimingLines(run.stderr);
    // Reading and planning let the event loop run between slices of the text and of the checks:
    // the whole handshake is done before they end.
    expect(markOf(marks, 'tcp-connected')).to.be.below(markOf(marks, 'spec-read'));
    expect(markOf(marks, 'ssh-ready')).to.be.below(markOf(marks, 'spec-read'));
    expect(simulator.stats.probes).to.be.above(0);
  });

  it('tries a host that never answers once: its early failure is the host result (exit 2)', async () => {
    const target = `ssh://root@127.0.0.1:${silentPort}`;
    const run = await runCli(['run', at('slow.ts'), '-t', target, ...common(), '--connect-timeout', '1'], cacheDir);
    expect(run.code, run.stderr).to.equal(EXIT.error);
    expect(run.stdout).to.include('connect timeout');
    expect(silent.accepted).to.equal(1);
  });

  it('closes a connection opened early when the spec is refused (exit 78), without waiting for it', async () => {
    const before = silent.accepted;
    const started = Date.now();
    const target = `ssh://root@127.0.0.1:${silentPort}`;
    const run = await runCli(['run', at('broken.ts'), '-t', target, ...common(), '--connect-timeout', '60'], cacheDir);
    expect(run.code, run.stderr).to.equal(EXIT.config);
    expect(run.stderr).to.include('broken.ts');
    expect(Date.now() - started).to.be.below(30_000);
    expect(silent.accepted).to.equal(before + 1);
    // The socket is closed by the time the process has exited (give the close a moment to arrive).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(silent.open.size).to.equal(0);
  });
});
