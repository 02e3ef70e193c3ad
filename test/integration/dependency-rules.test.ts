import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = `${ROOT}.dependency-cruiser.cjs`;
const FIXTURE = fileURLToPath(new URL('../fixtures/dependency-rules/', import.meta.url));

/** The rules of .dependency-cruiser.cjs (as `npm run lint:deps` applies them) over src/ and reporters/ of `baseDir`. */
async function violations(baseDir: string): Promise<string[]> {
  const options = await extractDepcruiseOptions(CONFIG);
  const result = await cruise(['src', 'reporters'], { ...options, baseDir });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`);
}

describe('import rules (dependency-cruiser)', function () {
  this.timeout(120_000);

  it('finds no cycle and no domain code importing the command line or the reporters', async () => {
    expect(await violations(ROOT)).to.deep.equal([]);
  });

  it('reports a cycle (also one through a type import and a lazy import) and every forbidden direction', async () => {
    expect(await violations(FIXTURE)).to.have.members([
      'domain-not-to-cli: src/drift/diff.ts → src/cli/main.ts',
      'domain-not-to-reporters: src/drift/diff.ts → reporters/text.ts',
      'no-cycle: src/cli/main.ts → src/drift/diff.ts',
      'no-cycle: src/engine/first.ts → src/engine/second.ts',
    ]);
  });
});
