// Runs every spec in specs/ on this machine through driftspec's programmatic API and fails with
// the checks that did not pass. `npm run test:infra` runs it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from 'driftspec';

const root = fileURLToPath(new URL('..', import.meta.url));
const specs = readdirSync(join(root, 'specs'))
  .filter((name) => /\.(ya?ml|ts|mts)$/.test(name))
  .sort()
  .map((name) => join('specs', name));

describe('this machine', function () {
  this.timeout(120_000);

  it(`passes ${specs.join(', ')}`, async () => {
    const { result, verdict } = await run({ specs, targets: ['local'], cwd: root });
    const problems = result.hosts.flatMap((host) => [
      ...(host.reason === undefined ? [] : [`${host.target}: ${host.status}: ${host.reason}`]),
      ...host.results
        .filter((check) => check.status === 'failed' || check.status === 'error')
        .map((check) => `${host.target}: ${check.status}: ${check.control ?? ''} ${check.message}`),
    ]);
    assert.ok(verdict.passed, `${verdict.summary}\n${problems.join('\n')}`);
  });
});
