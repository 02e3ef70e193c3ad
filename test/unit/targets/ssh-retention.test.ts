import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import { FleetSimulator, makeSimKeys } from '../../../bench/sim/sweep.js';
import { parseKnownHosts } from '../../../src/targets/known-hosts.js';
import { loadIdentity } from '../../../src/targets/ssh-credentials.js';
import { SshTarget } from '../../../src/targets/ssh.js';

/** V8's own collector, made callable without starting node with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('SSH target memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-ssh-retention-'));
  const keys = makeSimKeys(dir);
  const output = Buffer.alloc(1 << 20, 'a');
  const simulator = new FleetSimulator({
    hostKey: keys.hostKey,
    clientPublicKey: keys.clientPublicKey,
    latencyMs: 0,
    answer: () => ({ stdout: output, stderr: Buffer.alloc(0), exitCode: 0 }),
  });
  let port = 0;

  before(async () => {
    port = (await simulator.listen()).live;
  });
  after(async () => {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one probe and keeps nothing of its result but a weak reference. */
  async function execOnce(target: SshTarget): Promise<WeakRef<object>> {
    const result = await target.exec('echo probe', { timeoutMs: 10_000 });
    expect(result.stdout.length).to.equal(output.length);
    return new WeakRef(result);
  }

  it('a target drops its probe output once the caller lets go (a fleet keeps finished targets)', async () => {
    const target = new SshTarget({
      address: { kind: 'ssh', user: 'h0001', host: '127.0.0.1', port },
      credentials: { identities: [loadIdentity(keys.clientKeyPath)] },
      hostKeys: {
        knownHosts: parseKnownHosts('', 'none'),
        knownHostsFiles: [],
        pins: [keys.hostKeyFingerprint],
        acceptNew: false,
      },
      connectTimeoutMs: 10_000,
    });
    try {
      const first = await execOnce(target);
      // A weakly held object stays alive to the end of the current job; the collector runs after it.
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      expect(first.deref(), 'the target still holds the result of its last exec').to.equal(undefined);
      // The queue still orders execs after the first.
      await execOnce(target);
    } finally {
      await target.close();
    }
  });
});
