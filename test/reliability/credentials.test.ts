import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { main } from '../../src/cli/main.js';
import { redactCredentials } from '../../src/cli/redact.js';

const SECRET = 'Tr0ub4dor';

/** The CLI in this process, nothing spawned; what it wrote to stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const sink = new Writable({ write: (chunk, _encoding, done) => ((output += String(chunk)), done()) });
  const cwd = mkdtempSync(join(tmpdir(), 'driftspec-credentials-'));
  const env = { DRIFTSPEC_CACHE_DIR: join(cwd, 'cache'), NO_COLOR: '1' };
  const code = await main(args, { stdout: sink, stderr: sink, env, cwd });
  return { code, output };
}

function inventoryWith(address: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'driftspec-credentials-')), 'inventory.yaml');
  writeFileSync(path, `hosts:\n  web-1:\n    address: ${address}\n`);
  return path;
}

describe('credentials never reach an error message', () => {
  const withPassword = `ssh://root:${SECRET}@host.invalid:22`;
  const cases: Array<[string, string[]]> = [
    ['run --target', ['run', '--target', withPassword]],
    ['run --jump (URL)', ['run', '--target', 'ssh://root@host.invalid', '--jump', withPassword]],
    ['run --jump (user:password@host)', ['run', '-t', 'ssh://root@host.invalid', '-J', `root:${SECRET}@jump.invalid`]],
    ['snapshot <target>', ['snapshot', withPassword]],
    ['drift --baseline <target>', ['drift', '--baseline', 'baseline.json', withPassword]],
    ['drift --jump', ['drift', '--baseline', 'baseline.json', 'ssh://root@host.invalid', '-J', withPassword]],
  ];
  for (const [name, args] of cases) {
    it(`refuses a password in ${name} without showing it`, async () => {
      const { code, output } = await cli(args);
      expect(code, output).to.equal(64);
      expect(output).to.include('password').and.not.include(SECRET);
    });
  }

  it('refuses a password in an inventory address without showing it', async () => {
    const { code, output } = await cli(['run', '--inventory', inventoryWith(withPassword)]);
    expect(code, output).to.be.oneOf([64, 78]);
    expect(output).to.not.include(SECRET);
  });

  it('masks the password of user:password@host, with or without a scheme, and nothing else', () => {
    const masked = (text: string) => expect(redactCredentials(text));
    masked(`argument 'ssh://root:${SECRET}@h:22' is invalid`).to.equal("argument 'ssh://root:***@h:22' is invalid");
    masked(`"root:p@ss:${SECRET}@jump" is not a jump host`).to.equal('"root:***@jump" is not a jump host');
    expect(redactCredentials(`a,ssh://u:${SECRET}@a,b`)).to.equal('a,ssh://u:***@a,b');
    const harmless = ['ssh://root@h:22', 'host:22 and x: y@z', '2025-01-01T00:00:00.000+00:00', 'ssh://root@[::1]:22'];
    for (const text of harmless) {
      expect(redactCredentials(text)).to.equal(text);
    }
  });
});
