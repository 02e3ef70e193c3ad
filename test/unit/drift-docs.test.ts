import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parseAcceptFile } from '../../src/drift/accept.js';
import { BUILTIN_DRIFT_RULES, DRIFT_EXIT } from '../../src/gate/drift-policy.js';
import { parseGatePolicy } from '../../src/gate/policy.js';
import { parseIgnoreFile } from '../../src/drift/ignore.js';

const DOC = fileURLToPath(new URL('../../docs/drift.md', import.meta.url));

/** The ```yaml blocks of docs/drift.md, by their first key. */
function examples(): Map<string, string> {
  const text = readFileSync(DOC, 'utf8');
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return new Map(blocks.map((block) => [block.split(':')[0]!, block]));
}

describe('docs/drift.md stays true', () => {
  it('its ignore, accepted-drift and policy examples load', () => {
    const blocks = examples();
    expect(parseIgnoreFile(blocks.get('ignore')!, 'docs/drift.md').rules).to.have.length(7);
    expect(parseAcceptFile(blocks.get('accepted')!, 'docs/drift.md').entries).to.have.length(2);
    expect(parseGatePolicy(blocks.get('drift')!, 'docs/drift.md').drift?.rules).to.have.length(3);
  });

  it("its bitmask table and built-in rules are the code's", () => {
    const text = readFileSync(DOC, 'utf8');
    for (const [name, value] of Object.entries(DRIFT_EXIT)) expect(text).to.include(`| ${name} | ${value} |`);
    for (const rule of BUILTIN_DRIFT_RULES) expect(text).to.include(`| ${rule.name} |`);
  });
});
