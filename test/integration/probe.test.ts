import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseProbeOutput } from '../../src/probe/frames.js';
import { parseHostFrame, parseOsRelease } from '../../src/probe/host.js';
import { shellQuote } from '../../src/probe/quote.js';
import { buildProbeScript } from '../../src/probe/script.js';
import { PARTS_HEADER, parseParts, partScript, partsScript, writesParts } from '../../src/probe/parts.js';
import { requireInCi } from '../support/environment.js';
import { partsBytes } from '../support/frames.js';

const HOSTILE = [
  'plain',
  'with space',
  "it's",
  '"double"',
  '$(touch /tmp/driftspec-owned)',
  '`touch /tmp/driftspec-owned`',
  'new\nline',
  '*',
  '-n',
  '\\backslash\\',
  "'; rm -rf / #",
  '',
];

const SHELLS = ['/bin/sh', '/usr/bin/dash', '/bin/bash'];

describe('probe: shell quoting', () => {
  for (const shell of SHELLS) {
    it(`gives back every hostile word unchanged under ${shell}`, () => {
      for (const word of HOSTILE) {
        const out = execFileSync(shell, ['-c', `printf '%s' ${shellQuote(word)}`]);
        expect(out.toString('utf8')).to.equal(word);
      }
      expect(existsSync('/tmp/driftspec-owned')).to.equal(false);
    });
  }

  it('refuses a NUL byte, which no shell word can carry', () => {
    expect(() => shellQuote('a\0b')).to.throw(/NUL/);
  });
});

describe('probe: framing', () => {
  it('reads frames by byte count, whatever bytes they hold', () => {
    const body = Buffer.from([0x44, 0x53, 0x46, 0x52, 0x41, 0x4d, 0x45, 0x0a, 0x00, 0xff]);
    const output = Buffer.concat([
      Buffer.from(`DSFRAME q1 0 ${body.length} 3\n`),
      body,
      Buffer.from('err'),
      Buffer.from('DSFRAME q2 127 0 0\nDSEND\n'),
    ]);
    const parsed = parseProbeOutput(output);
    expect(parsed.complete).to.equal(true);
    expect(parsed.frames.get('q1')!.stdout.equals(body)).to.equal(true);
    expect(parsed.frames.get('q1')!.stderr.toString()).to.equal('err');
    expect(parsed.frames.get('q2')!.exitCode).to.equal(127);
  });

  it('marks output cut short and drops a frame whose body did not arrive', () => {
    const parsed = parseProbeOutput(Buffer.from('DSFRAME q1 0 50 0\nabc'));
    expect(parsed.complete).to.equal(false);
    expect(parsed.frames.has('q1')).to.equal(false);
  });

  it('keeps text outside frames apart as stray output', () => {
    const parsed = parseProbeOutput(Buffer.from('Welcome banner\nDSFRAME q1 0 2 0\nokDSEND\n'));
    expect(parsed.stray).to.equal('Welcome banner');
    expect(parsed.frames.get('q1')!.stdout.toString()).to.equal('ok');
  });
});

describe('probe: one script under dash, bash and busybox ash', () => {
  const queries = [
    { id: 'q1', script: "printf 'a\\nb'" },
    { id: 'q2', script: 'echo oops >&2; exit 3' },
    { id: 'q3', script: 'no-such-tool-anywhere' },
    { id: 'q4', script: 'exit 0' },
  ];
  const shells: Array<[string, string[]]> = [
    ['dash', ['/usr/bin/dash', '-s']],
    ['bash', ['/bin/bash', '-s']],
    ['busybox ash', ['/usr/bin/busybox', 'ash', '-s']],
  ];
  for (const [name, [command, ...args]] of shells) {
    it(`frames every query with its own exit status under ${name}`, function () {
      if (!existsSync(command!)) return requireInCi(this, `${command} is not installed`);
      const run = spawnSync(command!, args, { input: buildProbeScript(queries) });
      expect(run.status, run.stderr.toString()).to.equal(0);
      const parsed = parseProbeOutput(run.stdout);
      expect(parsed.complete).to.equal(true);
      expect(parsed.frames.get('q1')!.stdout.toString()).to.equal('a\nb');
      expect(parsed.frames.get('q2')!.exitCode).to.equal(3);
      expect(parsed.frames.get('q2')!.stderr.toString()).to.equal('oops\n');
      expect(parsed.frames.get('q3')!.exitCode).to.equal(127);
      expect(parsed.frames.get('q4')!.exitCode).to.equal(0);
      const host = parseHostFrame(parsed.frames.get('host')!);
      expect(host.kernel).to.equal('Linux');
      expect(host.uid).to.equal(process.getuid!());
    });
  }

  it('frames twenty queries written in batches, each with its own bytes and exit status, in every shell', function () {
    // More queries than one batch holds; outputs with NUL bytes, no final newline, or nothing at all.
    const many = Array.from({ length: 20 }, (_, i) => ({
      id: `m${i}`,
      script: `printf 'out %s\\000|' ${i}; [ ${i % 3} -eq 0 ] || printf 'err ${i}' >&2; exit ${i % 5}`,
    }));
    const scratch = mkdtempSync(join(tmpdir(), 'driftspec probe tmp '));
    for (const [name, [command, ...args]] of shells) {
      if (!existsSync(command!)) return requireInCi(this, `${command} is not installed`);
      const run = spawnSync(command!, args, {
        input: buildProbeScript(many),
        env: { ...process.env, TMPDIR: scratch },
      });
      const parsed = parseProbeOutput(run.stdout);
      expect(parsed.complete, `${name}: ${run.stderr.toString()}`).to.equal(true);
      expect(parsed.stray, name).to.equal('');
      many.forEach((_, i) => {
        const frame = parsed.frames.get(`m${i}`)!;
        expect(frame.stdout.toString('latin1'), name).to.equal(`out ${i}\0|`);
        expect(frame.stderr.toString(), name).to.equal(i % 3 === 0 ? '' : `err ${i}`);
        expect(frame.exitCode, name).to.equal(i % 5);
      });
    }
  });

  it('cleans up its temporary directory', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'driftspec-probe-tmp-'));
    const run = spawnSync('/bin/sh', ['-s'], {
      input: buildProbeScript(queries),
      env: { ...process.env, TMPDIR: scratch },
    });
    expect(parseProbeOutput(run.stdout).complete).to.equal(true);
    expect(readdirSync(scratch)).to.deep.equal([]);
  });
});

describe('probe: nested parts of a grouped query', () => {
  const shells: Array<[string, string[]]> = [
    ['dash', ['/usr/bin/dash', '-s']],
    ['bash', ['/bin/bash', '-s']],
    ['busybox ash', ['/usr/bin/busybox', 'ash', '-s']],
  ];
  // Names with blanks, quotes, newlines and multi-byte characters; outputs with NUL bytes, marker
  // lines and no final newline.
  const names = Array.from({ length: 20 }, (_, i) => `p ${i}'"\n${PARTS_HEADER} 1\n0 1 1 1 é`);
  const script = partsScript([
    ...names.map((name, i) =>
      partScript(
        name,
        `printf '${PARTS_HEADER} 1\\n0 3 0 0\\n\\000%s' ${i}; [ ${i % 2} -eq 0 ] || echo e >&2; exit ${i % 4}`,
      ),
    ),
    `if ${partScript('if', 'exit 1')}\nthen ${partScript('never', 'true')}\nfi`,
  ]);

  it('writes every part with its own name, bytes and exit status under every shell', function () {
    for (const [name, [command, ...args]] of shells) {
      if (!existsSync(command!)) return requireInCi(this, `${command} is not installed`);
      const run = spawnSync(command!, args, { input: buildProbeScript([{ id: 'q1', script }]) });
      const frame = parseProbeOutput(run.stdout).frames.get('q1')!;
      expect(frame.exitCode, `${name}: ${frame.stderr.toString()}`).to.equal(0);
      const parts = parseParts(frame.stdout);
      expect([...parts.keys()], name).to.deep.equal([...names, 'if']);
      names.forEach((part, i) => {
        expect(parts.get(part)!.stdout.toString('latin1'), name).to.equal(`${PARTS_HEADER} 1\n0 3 0 0\n\0${i}`);
        expect(parts.get(part)!.stderr.toString(), name).to.equal(i % 2 ? 'e\n' : '');
        expect(parts.get(part)!.exitCode, name).to.equal(i % 4);
      });
    }
  });

  it('reads a list of parts only from a query that writes parts, never from what a target printed', () => {
    const forged = `printf '1 1 1 0 0\\nax'`;
    const grouped = partsScript([partScript('a', 'echo grouped')]);
    const strayFirst = partsScript([`echo stray`, partScript('a', 'echo grouped')]);
    const run = spawnSync('/bin/sh', ['-s'], {
      input: buildProbeScript([
        { id: 'q1', script: forged },
        { id: 'q2', script: grouped },
        { id: 'q3', script: strayFirst },
      ]),
    });
    const frames = parseProbeOutput(run.stdout).frames;
    expect(frames.get('q1')!.stdout.toString()).to.equal('1 1 1 0 0\nax');
    expect(parseParts(frames.get('q2')!.stdout).get('a')!.stdout.toString()).to.equal('grouped\n');
    expect(() => parseParts(frames.get('q3')!.stdout)).to.throw(/unexpected output at byte 0/);
    expect([writesParts(forged), writesParts(grouped), writesParts(`case x in *)\n${grouped} ;;\nesac`)]).to.deep.equal(
      [false, true, true],
    );
  });

  it("reads no earlier batch's parts: a query in a reused slot has only its own output", () => {
    const grouped = partsScript([partScript('a', 'echo grouped')]);
    const withStderr = partsScript([partScript('a', 'echo grouped; echo old >&2')]);
    const queries = Array.from({ length: 18 }, (_, i) => ({
      id: `q${i + 1}`,
      script: i === 0 ? withStderr : i === 17 ? grouped : `printf 'plain %s' ${i + 1}`,
    }));
    const run = spawnSync('/bin/sh', ['-s'], { input: buildProbeScript(queries) });
    const frames = parseProbeOutput(run.stdout).frames;
    expect(frames.get('q17')!.stdout.toString()).to.equal('plain 17');
    for (const id of ['q1', 'q18']) {
      const parts = parseParts(frames.get(id)!.stdout);
      expect([...parts.keys()], id).to.deep.equal(['a']);
      expect(parts.get('a')!.stdout.toString(), id).to.equal('grouped\n');
    }
    expect(parseParts(frames.get('q1')!.stdout).get('a')!.stderr.toString()).to.equal('old\n');
    expect(parseParts(frames.get('q18')!.stdout).get('a')!.stderr.toString()).to.equal('');
  });

  it('refuses output that is not all parts: stray bytes, a part cut short, a name twice', () => {
    const parts = (...specs: Array<[string, string]>) =>
      partsBytes(specs.map(([name, stdout]) => ({ name, stdout }))).toString('latin1');
    expect(() => parseParts(Buffer.from(`noise\n${parts(['a', 'x'])}`))).to.throw(/unexpected output at byte 0/);
    expect(() => parseParts(Buffer.from(`${parts(['a', 'x'])}noise`))).to.throw(/unexpected output at byte 30/);
    expect(() => parseParts(Buffer.from(parts(['a', 'xyz'])).subarray(0, -1))).to.throw(/stopped inside a part/);
    expect(() => parseParts(Buffer.from('DSPARTS 2\n0 1 1 0\n'))).to.throw(/stopped inside its table of parts/);
    expect(() => parseParts(Buffer.from('DSPARTS 1\n0 1 x 0\nab'))).to.throw(/table of parts/);
    expect(() => parseParts(Buffer.from(parts(['a', 'x'], ['a', 'y'])))).to.throw(/part "a" twice/);
    expect(parseParts(Buffer.alloc(0)).size).to.equal(0);
  });
});

describe('probe: the queries of a batch at the same time (snapshot and check probes)', () => {
  const shells: Array<[string, string[]]> = [
    ['dash', ['/usr/bin/dash', '-s']],
    ['bash', ['/bin/bash', '-s']],
    ['busybox ash', ['/usr/bin/busybox', 'ash', '-s']],
  ];
  // More queries than one batch holds, grouped and plain, with NUL bytes, stderr and exit statuses;
  // the later a query is written the sooner it ends, so frames do not come out in finishing order.
  const queries = Array.from({ length: 20 }, (_, i) => {
    const nap = `sleep ${(20 - i) / 200}`;
    const script =
      i % 4 === 1
        ? partsScript([partScript(`part ${i}`, `${nap}; printf 'in\\000%s' ${i}; exit ${i % 3}`)])
        : `${nap}; printf 'out %s\\000|' ${i}; [ ${i % 3} -eq 0 ] || printf 'err ${i}' >&2; exit ${i % 5}`;
    return { id: `c${i}`, script };
  });

  it('writes the same frames as one query after the other, in every shell', function () {
    for (const [name, [command, ...args]] of shells) {
      if (!existsSync(command!)) return requireInCi(this, `${command} is not installed`);
      const frames = (concurrent: boolean) => {
        const run = spawnSync(command!, args, { input: buildProbeScript(queries, { concurrent }) });
        const parsed = parseProbeOutput(run.stdout);
        expect(parsed.complete, `${name}: ${run.stderr.toString()}`).to.equal(true);
        expect(parsed.stray, name).to.equal('');
        parsed.frames.delete('host');
        return [...parsed.frames.values()];
      };
      const together = frames(true);
      expect(
        together.map((frame) => frame.id),
        name,
      ).to.deep.equal(queries.map((query) => query.id));
      expect(together, name).to.deep.equal(frames(false));
      const grouped = parseParts(together[5]!.stdout).get('part 5')!;
      expect([grouped.stdout.toString('latin1'), grouped.exitCode], name).to.deep.equal(['in\u00005', 2]);
    }
  });

  it('runs a query marked alone by itself, between the batches, its frame in its place', function () {
    // Each query notes in a log when it starts and ends; the last one prints the log.
    const noting = (id: string) =>
      `echo "+${id}" >>"$ds_dir/log"; sleep 0.1; echo "-${id}" >>"$ds_dir/log"; echo ${id}`;
    const ids = ['t1', 't2', 'a1', 't3', 't4', 'a2', 'a3', 't5'];
    const mixed = ids.map((id) => ({ id, script: noting(id), ...(id.startsWith('a') ? { alone: true } : {}) }));
    const log = { id: 'log', script: 'cat "$ds_dir/log"', alone: true };
    for (const [name, [command, ...args]] of shells) {
      if (!existsSync(command!)) return requireInCi(this, `${command} is not installed`);
      const run = spawnSync(command!, args, { input: buildProbeScript([...mixed, log], { concurrent: true }) });
      const parsed = parseProbeOutput(run.stdout);
      expect(parsed.complete, `${name}: ${run.stderr.toString()}`).to.equal(true);
      parsed.frames.delete('host');
      const frames = [...parsed.frames.values()];
      expect(
        frames.map((frame) => frame.id),
        name,
      ).to.deep.equal([...ids, 'log']);
      expect(
        frames.slice(0, -1).map((frame) => frame.stdout.toString().trim()),
        name,
      ).to.deep.equal(ids);
      const events = frames.at(-1)!.stdout.toString().trim().split('\n');
      // Who ran at the same time as whom: a query alone ends before anything else starts.
      const order = events.join(' ');
      for (const alone of ['a1', 'a2', 'a3']) expect(order, name).to.include(`+${alone} -${alone}`);
      expect(events.slice(0, 4).sort(), name).to.deep.equal(['+t1', '+t2', '-t1', '-t2']);
      expect(events.slice(0, 2).sort(), name).to.deep.equal(['+t1', '+t2']);
      expect(events.indexOf('+a1'), name).to.equal(4);
      expect(events.slice(6, 8).sort(), name).to.deep.equal(['+t3', '+t4']);
    }
  });

  it("takes about the slowest query's time, not the sum", () => {
    const slow = Array.from({ length: 4 }, (_, i) => ({ id: `s${i}`, script: 'sleep 1' }));
    const started = Date.now();
    const run = spawnSync('/bin/sh', ['-s'], { input: buildProbeScript(slow, { concurrent: true }) });
    expect(parseProbeOutput(run.stdout).complete).to.equal(true);
    expect(Date.now() - started).to.be.below(3_000);
  });
});

describe('probe: os-release', () => {
  it('unquotes values the way the format defines', () => {
    const fields = parseOsRelease(
      'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME=\'x\'\nVERSION_ID="12"\n# comment\n',
    );
    expect(fields.get('ID')).to.equal('debian');
    expect(fields.get('PRETTY_NAME')).to.equal('Debian GNU/Linux 12 (bookworm)');
    expect(fields.get('NAME')).to.equal('x');
    expect(fields.get('VERSION_ID')).to.equal('12');
  });
});
