import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  command,
  control,
  file,
  group,
  kernelParameter,
  mount,
  pkg,
  port,
  processes,
  service,
  user,
} from '../../src/dsl/index.js';
import { runLocally } from '../support/local.js';

/** Relative, so a name can carry it; the probe runs in this process's working directory. */
const CANARY_NAME = `driftspec-canary-${process.pid}`;
const CANARY = join(process.cwd(), CANARY_NAME);
const HOSTILE_NAMES = [
  'with space',
  "single'quote",
  'double"quote',
  `$(touch ${CANARY_NAME})`,
  `\`touch ${CANARY_NAME}\``,
  'new\nline',
  '*',
  '-rf',
  `;touch ${CANARY_NAME};`,
];

describe('hostile names are data, never code', () => {
  beforeEach(() => rmSync(CANARY, { force: true }));

  it('checks files with hostile names exactly and runs nothing in them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftspec-hostile-'));
    for (const name of HOSTILE_NAMES) writeFileSync(join(dir, name), `content of ${name}\n`, { mode: 0o600 });
    symlinkSync(HOSTILE_NAMES[3]!, join(dir, 'link to $(x)'));
    const result = await runLocally(() => {
      control('hostile', () => {
        for (const name of HOSTILE_NAMES) {
          file(join(dir, name)).isFile().mode(0o600).contains(`content of ${name}\n`);
          file(join(dir, `${name}.missing`)).not.exists();
        }
        file(join(dir, 'link to $(x)')).isSymlink().linkTarget(HOSTILE_NAMES[3]!);
        file(join(dir, '*')).size(`content of *\n`.length);
      });
    });
    expect(result.results.filter((r) => r.status !== 'passed').map((r) => r.message)).to.deep.equal([]);
    expect(existsSync(CANARY)).to.equal(false);
  });

  it('looks up hostile user, group, package, service and process names without running them', async () => {
    const result = await runLocally(() => {
      control('hostile', () => {
        for (const name of HOSTILE_NAMES.filter((n) => !n.startsWith('-') && !n.includes('\n'))) {
          user(name).not.exists();
          group(name).not.exists();
          processes(name).not.running();
          service(name).not.running();
        }
        pkg(`x$(touch ${CANARY_NAME})`).not.installed();
        pkg('ansible').not.installed();
      });
    });
    const notPassed = result.results.filter((r) => r.status !== 'passed').map((r) => `${r.status}: ${r.message}`);
    expect(notPassed).to.deep.equal([]);
    expect(existsSync(CANARY)).to.equal(false);
  });

  it('reads hostile mount points and kernel parameter keys as data; keys leaving /proc/sys are refused', async () => {
    const result = await runLocally(() => {
      control('hostile', () => {
        for (const name of HOSTILE_NAMES) mount(`/no/such/${name}`).not.mounted();
        for (const name of [
          `$(touch${'${IFS}'}${CANARY_NAME})`,
          `;touch${'${IFS}'}${CANARY_NAME};`,
          "quote'd",
          'a"b',
          '*',
        ]) {
          kernelParameter(`net.ipv4.${name}`).not.exists();
        }
        port(1).not.listening();
      });
    });
    const notPassed = result.results.filter((r) => r.status !== 'passed').map((r) => `${r.status}: ${r.message}`);
    expect(notPassed).to.deep.equal([]);
    expect(existsSync(CANARY)).to.equal(false);
    for (const key of ['../etc/passwd', 'net..ipv4', 'net.ipv4.a b', 'net.ipv4.new\nline']) {
      const error = await runLocally(() => kernelParameter(key.replace('\\n', '\n')).exists()).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message, key).to.match(/kernel|parameter|key/i);
    }
  });

  it('rejects an account name with a newline at plan time, since no account can have one', async () => {
    const error = await runLocally(() => user('new\nline').exists()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/invalid user name: .*newline/);
  });

  it('runs a command spec exactly as written, quotes and all, and nothing else', async () => {
    const text = `printf '%s|' "a b" 'c"d' '$(touch ${CANARY})'`;
    const result = await runLocally(() => {
      command(text).stdout(`a b|c"d|$(touch ${CANARY})|`).exitStatus(0);
    });
    expect(result.results.map((r) => r.status)).to.deep.equal(['passed', 'passed']);
    expect(existsSync(CANARY)).to.equal(false);
  });
});
