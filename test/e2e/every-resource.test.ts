import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { RESOURCES } from '../../src/resources/index.js';
import { RunResultSchema } from '../../src/results/schema.js';
import { runCli } from '../support/cli.js';
import { connection } from '../support/drift-e2e.js';
import { countSessions, journalCursor, sessionsAfter } from '../support/sshd-log.js';
import { useTestbed } from '../support/testbed.js';

// The bundled spec and one check of every other resource kind, on a stock booted instance: still
// one exec, counted by sshd. A kind added to the registry without a check here fails the test.

const BUNDLED = fileURLToPath(new URL('../../specs/debian-web-server.yaml', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'driftspec-e2e-every-'));

const EVERY_RESOURCE = fileURLToPath(new URL('../../bench/specs/every-resource.yaml', import.meta.url));

describe('the bundled spec and one check of every resource kind on a booted instance', function () {
  this.timeout(300_000);
  const bed = useTestbed({ base: 84, count: 1, prepare: countSessions });

  it('costs one exec (counted by sshd), every kind in the plan', async () => {
    const instance = bed.instances[0]!;
    instance.inContainer(['sh', '-c', `printf '{"db": {"port": 5432}}' > /etc/driftspec-every.json`]);
    instance.inContainer(['sh', '-c', 'printf "not a certificate" > /etc/driftspec-every.pem']);
    const cursor = journalCursor(instance);
    const started = Date.now();
    const run = await runCli(
      ['run', BUNDLED, EVERY_RESOURCE, '-t', instance.url, ...connection(instance), '--format', 'json'],
      join(work, 'cache'),
    );
    const elapsed = Date.now() - started;
    const host = RunResultSchema.parse(JSON.parse(run.stdout)).hosts[0]!;
    const kinds = new Set(host.results.map((result) => result.resource));
    expect(RESOURCES.map((resource) => resource.type).filter((type) => !kinds.has(type))).to.deep.equal([]);
    expect(host.execCount).to.equal(1);
    const { sessions, log } = await sessionsAfter(instance, cursor);
    expect(sessions, log).to.have.length(1);
    console.log(`      (${host.results.length} checks of ${kinds.size} kinds in ${elapsed} ms wall)`);
    // The stock image has no dig, curl, iptables, nft or podman: each check of them is an error
    // naming what is missing, never a pass; the rest is judged from the instance as it is.
    expect(
      host.results.filter((result) => result.status !== 'passed').map((r) => `${r.resource} ${r.status}`),
      JSON.stringify(
        host.results.filter((r) => r.status !== 'passed').map((r) => r.message),
        null,
        1,
      ),
    ).to.deep.equal([
      'x509_certificate error',
      'route failed',
      'dns error',
      'http error',
      'iptables error',
      'container error',
      'nftables error',
      'kernel_parameter failed',
    ]);
    const missingTool = /neither .* nor |command not found/;
    for (const result of host.results.filter((r) =>
      ['dns', 'http', 'iptables', 'container', 'nftables'].includes(r.resource),
    ))
      expect(result.message, result.resource).to.match(missingTool);
  });
});
