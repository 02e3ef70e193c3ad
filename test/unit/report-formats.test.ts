import { Writable } from 'node:stream';
import { expect } from 'chai';
import {
  DRIFT_FORMAT_NAMES,
  loadDriftRenderers,
  loadRunRenderers,
  REPORT_FORMAT_NAMES,
} from '../../reporters/formats.js';
import { main } from '../../src/cli/main.js';

async function help(command: string): Promise<string> {
  let text = '';
  const stdout = new Writable({
    write: (chunk, _encoding, done) => {
      text += String(chunk);
      done();
    },
  });
  await main([command, '--help'], { stdout, stderr: stdout, env: {}, cwd: process.cwd() });
  return text.replace(/\s+/g, ' ');
}

describe('report formats (one registry)', () => {
  it('lists cli, json, junit, html and markdown, every one with a drift report', () => {
    expect(REPORT_FORMAT_NAMES).to.deep.equal(['cli', 'json', 'junit', 'html', 'markdown']);
    expect(DRIFT_FORMAT_NAMES).to.deep.equal(REPORT_FORMAT_NAMES);
  });

  it('loads a renderer for every format, run and drift', async () => {
    const context = { stdout: {}, env: {} };
    const run = await loadRunRenderers(REPORT_FORMAT_NAMES, context);
    const drift = await loadDriftRenderers(DRIFT_FORMAT_NAMES, context);
    expect(Object.keys(run)).to.deep.equal(REPORT_FORMAT_NAMES);
    expect(Object.keys(drift)).to.deep.equal(DRIFT_FORMAT_NAMES);
    for (const renderer of [...Object.values(run), ...Object.values(drift)]) expect(renderer).to.be.a('function');
    await loadRunRenderers(['xml'], context).then(
      () => expect.fail('an unknown format loads nothing'),
      (error: Error) => expect(error.message).to.equal('unknown report format "xml"'),
    );
  });

  it('is what --help offers for --reporter, and what --reporter accepts', async () => {
    expect(await help('run')).to.include(`a report: ${REPORT_FORMAT_NAMES.join(', ')};`);
    expect(await help('drift')).to.include(`a report: ${DRIFT_FORMAT_NAMES.join(', ')};`);
    let errors = '';
    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        errors += String(chunk);
        done();
      },
    });
    const code = await main(['run', '--reporter', 'xml'], { stdout: sink, stderr: sink, env: {}, cwd: process.cwd() });
    expect(code).to.equal(64);
    const expected = `expected one of: ${REPORT_FORMAT_NAMES.join(', ')}`;
    expect(errors).to.include(`unknown reporter "xml" in --reporter xml; ${expected}`);
  });
});
