import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { ROOT } from '../../bench/lib/commands.js';

const DIST = pathToFileURL(join(ROOT, 'dist/src')).href;
const COMMANDER = pathToFileURL(createRequire(import.meta.url).resolve('commander')).href;

/**
 * `driftspec run` over an inventory, in a node of its own (a run over an inventory sets V8's heap
 * flags, which this test's process must keep): each target the plan is made for is watched by a
 * WeakRef, and when the first byte of the report reaches stdout a full collection tells how many
 * are still held.
 */
const SCRIPT = `
const [dist, inventory, commander] = process.argv.slice(2);
const { Command } = await import(commander);
const { register } = await import(dist + '/cli/commands/run.js');
const { checkRunFlags, fixedPlanning, runOnTargets } = await import(dist + '/cli/commands/run-action.js');
const { verifyPackagesPlan } = await import(dist + '/cli/commands/verify-packages-action.js');
const { createRegistry } = await import(dist + '/resources/index.js');
const watched = [];
let heldAtReport;
const stdout = {
  write(_chunk, encoding, callback) {
    if (heldAtReport === undefined) {
      globalThis.gc();
      heldAtReport = watched.filter((ref) => ref.deref() !== undefined).length;
    }
    (typeof encoding === 'function' ? encoding : callback)?.();
    return true;
  },
  once() { return this; },
  on() { return this; },
};
const io = { stdout, stderr: { write: () => true }, env: process.env, cwd: process.cwd() };
let flags;
const program = new Command().exitOverride();
register(program, io);
program.commands.find((command) => command.name() === 'run').action((_specs, options) => (flags = options));
const args = ['run', '--inventory', inventory, '--no-ssh-config', '--no-progress', '--connect-timeout', '5'];
await program.parseAsync(args, { from: 'user' });
const registry = createRegistry();
const context = { registry, named: 'a --target', ...(await checkRunFlags(flags, io)) };
const plan = verifyPackagesPlan(registry, ['/'], false);
const code = await runOnTargets([], flags, io, context, async (selected) => {
  for (const target of selected.targets) watched.push(new WeakRef(target));
  return fixedPlanning(plan);
});
console.log(JSON.stringify({ code, targets: watched.length, heldAtReport }));
`;

/** A port on 127.0.0.1 that nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('run: the hosts are let go of before the reports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'driftspec-let-go-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds none of its targets while the reports are written', async function () {
    this.timeout(60_000);
    const port = await closedPort();
    const hosts = Array.from({ length: 12 }, (_, i) => `  h${i}: { host: 127.0.0.1, port: ${port}, user: u${i} }`);
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(inventory, ['hosts:', ...hosts, ''].join('\n'));
    const script = join(dir, 'let-go.mjs');
    writeFileSync(script, SCRIPT);
    const output = execFileSync(process.execPath, ['--expose-gc', script, DIST, inventory, COMMANDER], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const outcome = JSON.parse(output) as { code: number; targets: number; heldAtReport: number };
    // Every host unreachable: the gate says the run could not look (exit 2), and the report was written.
    expect(outcome).to.deep.equal({ code: 2, targets: 12, heldAtReport: 0 });
  });
});
