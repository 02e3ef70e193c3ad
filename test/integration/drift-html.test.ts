import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { renderDriftHtml } from '../../reporters/html/drift.js';
import { HOSTILE_USER, sampleDriftReport } from '../fixtures/drift/sample-drift.js';
import { useChromium } from '../support/chromium.js';

describe('drift html report in headless Chromium', function () {
  this.timeout(120_000);
  const chrome = useChromium('driftspec-drift-html-');

  it('renders styled (the policy admits its style), requests and runs nothing, hostile text stays text', async () => {
    const report = sampleDriftReport();
    const path = join(chrome.files(), 'drift.html');
    writeFileSync(path, [...renderDriftHtml(report, report.verdict!)].join(''));
    const url = pathToFileURL(path).href;
    const context = await chrome.browser().newContext({ javaScriptEnabled: true });
    const requests: string[] = [];
    const errors: string[] = [];
    const dialogs: string[] = [];
    await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    context.on('request', (request) => {
      if (request.url() !== url) requests.push(request.url());
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text());
    });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    expect({ requests, errors, dialogs }).to.deep.equal({ requests: [], errors: [], dialogs: [] });
    expect(await page.textContent('#verdict'))
      .to.include(report.verdict!.summary)
      .and.include('exit code 15');
    // The page's style applies (a blocked style would leave the badge without a background).
    const background = await page.$eval(
      '.b.added',
      (el) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el)
          .backgroundColor,
    );
    expect(background).to.not.equal('rgba(0, 0, 0, 0)');
    expect(await page.$$eval('li.check', (items) => items.length)).to.equal(12);
    expect(await page.$$eval('.mono', (items) => items.map((el) => el.textContent))).to.include(HOSTILE_USER);
    await context.close();
  });
});
