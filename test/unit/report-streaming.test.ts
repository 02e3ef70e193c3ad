import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import Table from 'cli-table3';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { cliReportPieces, renderCliReport } from '../../reporters/cli.js';
import { htmlReportPieces, renderHtmlReport } from '../../reporters/html/run.js';
import { jsonPieces, jsonReportPieces, renderJsonReport } from '../../reporters/json.js';
import { markdownReportPieces, renderMarkdownReport } from '../../reporters/markdown.js';
import { writeReports, writeToStream } from '../../reporters/output.js';
import { jsonSchemaFor } from '../../src/cli/commands/schema-action.js';
import { decideVerdict, type Verdict } from '../../src/gate/verdict.js';
import { chunkPieces, writeChunksOverlapped, writePiecesAtomically } from '../../src/io/atomic-write.js';
import { RunResultSchema, type HostResult, type RunResult } from '../../src/results/schema.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

/**
 * A fleet of 40 hosts made from the recorded golden run (one completed host with every outcome,
 * one unreachable): inventory entries, and output with characters JSON has to escape.
 */
function fleetResult(size = 40): RunResult {
  const golden = RunResultSchema.parse(JSON.parse(readFileSync(`${GOLDEN}run.json`, 'utf8')));
  const [completed, unreachable] = golden.hosts as [HostResult, HostResult];
  const hosts: HostResult[] = [];
  for (let i = 0; i < size; i++) {
    const source = structuredClone(i % 5 === 4 ? unreachable : completed);
    source.target = `ssh://root@10.${i >> 8}.${i & 255}.2:22`;
    if (i % 3 === 0) source.inventory = { name: `web-${i}`, groups: ['web', 'eu'], tags: [`rack=${i}`] };
    const firstEvidence = Object.values(source.evidence)[0];
    if (firstEvidence) firstEvidence.stdout += `€ 😀 \u2028 "quoted" \\ back\ttab\u0001 ${i}\n`;
    hosts.push(source);
  }
  return {
    ...golden,
    hosts,
    counts: hosts.reduce(
      (sum, h) => ({
        passed: sum.passed + h.counts.passed,
        failed: sum.failed + h.counts.failed,
        error: sum.error + h.counts.error,
        skipped: sum.skipped + h.counts.skipped,
      }),
      { passed: 0, failed: 0, error: 0, skipped: 0 },
    ),
  };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'driftspec-streaming-'));
}

function countCells(counts: RunResult['counts']): number[] {
  return [counts.passed, counts.failed, counts.error, counts.skipped];
}

const VERDICT: Verdict = { verdict: 'passed', exitCode: 0, summary: 'passed', reasons: [] };

describe('reports rendered in pieces', () => {
  it('cli: the summary table of 600 hosts, written in slices, is the one table cli-table3 draws', () => {
    const result = fleetResult(600);
    const report = renderCliReport(result, VERDICT, { color: false, verbose: false });
    const lines = report.split('\n');
    const top = lines.findLastIndex((line) => line.startsWith('┌'));
    const bottom = lines.findLastIndex((line) => line.startsWith('└'));
    const table = new Table({
      head: ['target', 'status', 'passed', 'failed', 'error', 'skipped'],
      style: { head: [], border: [] },
    });
    for (const host of result.hosts) table.push([host.target, host.status, ...countCells(host.counts)]);
    table.push(['all hosts', '', ...countCells(result.counts)]);
    expect(lines.slice(top, bottom + 1).join('\n')).to.equal(table.toString());
    expect([...cliReportPieces(result, VERDICT, { color: false, verbose: false })].join('')).to.equal(report);
  });

  it('markdown: the table of 600 hosts comes in slices, every host once and in order', () => {
    const result = fleetResult(600);
    const pieces = [...markdownReportPieces(result, VERDICT)];
    const report = pieces.join('');
    expect(report).to.equal(renderMarkdownReport(result, VERDICT));
    expect(pieces.length).to.be.greaterThan(result.hosts.length / 256 + 2);
    expect(report.endsWith('\n') && !report.includes('\n\n\n')).to.equal(true);
    const lines = report.split('\n');
    const head = lines.indexOf('| Host | Status | OS | Passed | Failed | Errors | Skipped |');
    const rows = lines.slice(head + 2, head + 2 + result.hosts.length);
    expect(rows.map((line) => /^\| `([^`]+)`/.exec(line)?.[1])).to.deep.equal(result.hosts.map((h) => h.target));
    expect(lines[head + 2 + result.hosts.length]).to.equal('');
  });

  it('json: the pieces of a fleet report join to exactly the one-string rendering, one host per piece', () => {
    const result = fleetResult();
    const verdict = decideVerdict(result);
    // As the CLI hands it over: the result already carries its verdict.
    const report = { ...result, verdict };
    const oneString = `${JSON.stringify({ ...report, verdict }, null, 2)}\n`;
    const pieces = [...jsonReportPieces(report, verdict)];
    expect(pieces.join('')).to.equal(oneString);
    expect(renderJsonReport(report, verdict)).to.equal(oneString);
    // Streamed, not rendered whole and cut up: no piece holds two hosts.
    for (const piece of pieces) expect(piece.match(/"target": "ssh:/g)?.length ?? 0).to.be.at.most(1);
    expect(pieces.length).to.be.greaterThan(result.hosts.length);
    expect(Math.max(...pieces.map((piece) => piece.length))).to.be.lessThan(oneString.length / 20);
  });

  it('json: the streamed fleet report is valid under the published result schema', () => {
    const result = fleetResult();
    const verdict = decideVerdict(result);
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(
      jsonSchemaFor('result') as object,
    );
    const document: unknown = JSON.parse([...jsonReportPieces({ ...result, verdict }, verdict)].join(''));
    validate(document);
    expect(validate.errors ?? []).to.deep.equal([]);
  });

  it('jsonPieces is JSON.stringify(value, null, 2) for odd values at every streaming depth', () => {
    const symbolKey = Symbol('hidden');
    const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [1, { c: null }] });
    const values: unknown[] = [
      {},
      [],
      { a: {}, b: [], c: [[]], d: [{}], e: { f: { g: { h: [1, [2, [3, []]]] } } } },
      { skipped: undefined, fn: () => 1, sym: Symbol('s'), [symbolKey]: 1, kept: 0 },
      { onlyUndefined: undefined },
      [undefined, () => 1, Symbol('s'), null, 0, false, ''],
      { 10: 'ten', 2: 'two', b: 'b', a: 'a', '-1': 'minus' },
      { 'quo"te': 'new\nline', '\u2028': '\u2029', lone: '\ud800 and \udfff', emoji: '😀', control: '\u0000\u001f' },
      { date: new Date(0), dates: [new Date(1)], nested: { when: new Date(2) } },
      { gone: { toJSON: () => undefined }, inList: [{ toJSON: () => undefined }] },
      { boxed: [Object(1), Object('s'), Object(true)], map: new Map([[1, 2]]) },
      nullPrototype,
      [1.5, -0, 1e21, Number.NaN, Infinity],
      'just a string',
      42,
      null,
    ];
    // An array with a hole.
    const holes: unknown[] = [1];
    holes[3] = 4;
    values.push(holes, { holes });
    for (const value of values) {
      for (let levels = 0; levels <= 5; levels++) {
        expect(
          [...jsonPieces(value, levels)].join(''),
          `${String(JSON.stringify(value))} at ${levels} levels`,
        ).to.equal(JSON.stringify(value, null, 2));
      }
    }
  });

  it('cli and html: the pieces join to the one-string rendering (which the golden files pin)', () => {
    const result = fleetResult();
    const verdict = decideVerdict(result);
    for (const verbose of [false, true]) {
      const options = { color: verbose, verbose };
      expect([...cliReportPieces(result, verdict, options)].join('')).to.equal(
        renderCliReport(result, verdict, options),
      );
      expect([...cliReportPieces(result, verdict, options)].length).to.be.greaterThan(result.hosts.length);
    }
    const page = [...htmlReportPieces(result, verdict)];
    expect(page.join('')).to.equal(renderHtmlReport(result, verdict));
    expect(page.length).to.be.greaterThan(result.hosts.length);
  });
});

describe('writing reports in pieces', () => {
  /** Pieces of about 3 MiB in all, several write chunks, then a failure. */
  function* failingHalfWay(): Generator<string> {
    for (let i = 0; i < 3000; i++) yield `${'x'.repeat(1000)} ${i}\n`;
    throw new Error('renderer broke half-way');
  }

  it('an atomic write whose pieces throw half-way leaves no file and no temporary file', async () => {
    const dir = tempDir();
    const target = join(dir, 'deep', 'report.json');
    await writePiecesAtomically(target, failingHalfWay()).then(
      () => expect.fail('the write should have failed'),
      (error: Error) => expect(error.message).to.equal('renderer broke half-way'),
    );
    expect(existsSync(target)).to.equal(false);
    expect(readdirSync(join(dir, 'deep'))).to.deep.equal([]);
  });

  it('an atomic write whose pieces throw half-way leaves the file that was there as it was', async () => {
    const dir = tempDir();
    const target = join(dir, 'report.json');
    writeFileSync(target, 'the previous report\n');
    await writePiecesAtomically(target, failingHalfWay()).catch(() => undefined);
    expect(readFileSync(target, 'utf8')).to.equal('the previous report\n');
    expect(readdirSync(dir)).to.deep.equal(['report.json']);
  });

  it('an atomic write of pieces writes them all, in order', async () => {
    const dir = tempDir();
    const pieces = Array.from({ length: 5000 }, (_, i) => `€ ${i} 😀 ${'y'.repeat(i % 700)}\n`);
    await writePiecesAtomically(join(dir, 'r.txt'), pieces);
    expect(readFileSync(join(dir, 'r.txt'), 'utf8')).to.equal(pieces.join(''));
    expect(readdirSync(dir)).to.deep.equal(['r.txt']);
  });

  it('overlapped writes: one in flight while the next chunk is made, in order; a failure waits for it', async () => {
    const events: string[] = [];
    let inFlight = 0;
    const write = async (chunk: string) => {
      inFlight++;
      expect(inFlight, 'never two writes at once').to.equal(1);
      events.push(`write ${chunk}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`wrote ${chunk}`);
      inFlight--;
    };
    function* chunks(fail: boolean): Generator<string> {
      for (const chunk of ['a', 'b', 'c']) {
        events.push(`made ${chunk}`);
        yield chunk;
      }
      if (fail) throw new Error('renderer broke');
    }
    await writeChunksOverlapped(chunks(false), write);
    expect(events).to.deep.equal([
      'made a',
      'write a',
      'made b',
      'wrote a',
      'write b',
      'made c',
      'wrote b',
      'write c',
      'wrote c',
    ]);
    events.length = 0;
    const failed = await writeChunksOverlapped(chunks(true), write).catch((error: Error) => error);
    expect(failed).to.be.instanceOf(Error).with.property('message', 'renderer broke');
    expect(events.at(-1), 'the write in flight ended first').to.equal('wrote c');
    const refused = await writeChunksOverlapped(['x', 'y'], async (chunk) => {
      if (chunk === 'x') throw new Error('disk full');
    }).catch((error: Error) => error);
    expect(refused).to.be.instanceOf(Error).with.property('message', 'disk full');
  });

  it('writeReports: a report failing half-way writes no file, and no other report is put in place either', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'old.xml'), 'old junit\n');
    const renderers = { json: () => ['{', '}\n'], junit: failingHalfWay, cli: () => 'table\n' };
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const requests = [
      { name: 'json', path: join(dir, 'a.json') },
      { name: 'junit', path: join(dir, 'old.xml') },
      { name: 'cli' },
    ];
    await writeReports(requests, renderers, {} as RunResult, VERDICT, sink).then(
      () => expect.fail('writeReports should have failed'),
      (error: Error) => expect(error.message).to.equal('renderer broke half-way'),
    );
    expect(readdirSync(dir)).to.deep.equal(['old.xml']);
    expect(readFileSync(join(dir, 'old.xml'), 'utf8')).to.equal('old junit\n');
  });

  it('writeReports: the stdout report failing half-way takes the files with it', async () => {
    const dir = tempDir();
    const renderers = { json: () => ['{', '}\n'], cli: failingHalfWay };
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    await writeReports(
      [{ name: 'json', path: join(dir, 'a.json') }, { name: 'cli' }],
      renderers,
      {} as RunResult,
      VERDICT,
      sink,
    ).catch(() => undefined);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('stdout: pieces reach a slow stream complete and in order, waiting when it asks to', async () => {
    const received: Buffer[] = [];
    let refusals = 0;
    /** What the stream still held each time another chunk was written to it. */
    const heldBefore: number[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write: (chunk: Buffer, _encoding, done) => {
        received.push(chunk);
        setImmediate(done);
      },
    });
    const write = slow.write.bind(slow);
    slow.write = ((chunk: string) => {
      heldBefore.push(slow.writableLength);
      const accepted = write(chunk);
      if (!accepted) refusals++;
      return accepted;
    }) as typeof slow.write;
    const pieces = Array.from({ length: 20_000 }, (_, i) => `  "line ${i}": "€ 😀 ${'z'.repeat(i % 300)}",\n`);
    const dir = tempDir();
    await writeReports(
      [{ name: 'json' }, { name: 'cli', path: join(dir, 'cli.txt') }],
      { json: () => pieces, cli: () => 'file\n' },
      {} as RunResult,
      VERDICT,
      slow,
    );
    expect(refusals).to.be.greaterThan(0);
    expect(
      heldBefore.every((held) => held === 0),
      `held before each write: ${heldBefore.join(', ')}`,
    ).to.equal(true);
    expect(received.length).to.be.greaterThan(1);
    for (const chunk of received) expect(chunk.toString('utf8')).not.to.include('\ufffd');
    expect(Buffer.concat(received).toString('utf8')).to.equal(pieces.join(''));
    expect(readFileSync(join(dir, 'cli.txt'), 'utf8')).to.equal('file\n');
  });

  it('stdout: a stream that closes while the report waits for it is an error, not a hang', async function () {
    this.timeout(5000);
    const stuck = new Writable({ highWaterMark: 16, write: () => undefined });
    setTimeout(() => stuck.destroy(), 20);
    const pieces = Array.from({ length: 10 }, () => 'x'.repeat(100));
    await writeToStream(stuck, pieces).then(
      () => expect.fail('the write should have failed'),
      (error: Error) => expect(error.message).to.match(/closed before the whole report was written/),
    );
  });

  it('chunks: small pieces are gathered, large ones cut at line ends, never inside a surrogate pair', () => {
    expect([...chunkPieces(['ab', 'cd', 'ef', 'g'], 4)]).to.deep.equal(['abcd', 'efg']);
    expect([...chunkPieces(['x', 'aa\nbbbbbb\ncc'], 5)]).to.deep.equal(['x', 'aa\n', 'bbbbb', 'b\ncc']);
    expect([...chunkPieces(['abcd😀ef'], 5)]).to.deep.equal(['abcd', '😀ef']);
    expect([...chunkPieces(['😀😀'], 1)].join('')).to.equal('😀😀');
    expect([...chunkPieces([], 5)]).to.deep.equal([]);
  });
});
