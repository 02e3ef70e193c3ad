import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';

/**
 * Set to 1 to rewrite the golden files from the current output instead of comparing
 * (see test/fixtures/golden/README.md).
 */
export const UPDATE_GOLDEN = process.env.DRIFTSPEC_UPDATE_GOLDEN === '1';

export function expectGolden(path: string, actual: string): void {
  if (UPDATE_GOLDEN) {
    writeFileSync(path, actual);
    return;
  }
  const expected = readFileSync(path, 'utf8');
  expect(actual, `${path} differs; if the change is intended, regenerate it (test/fixtures/golden/README.md)`).to.equal(
    expected,
  );
}
