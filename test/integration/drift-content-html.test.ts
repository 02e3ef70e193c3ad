import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { renderDriftHtml } from '../../reporters/html/drift.js';
import { sampleDriftReport } from '../fixtures/drift/sample-drift.js';
import { useChromium } from '../support/chromium.js';

/** Pixels of a PNG near each colour, counted in a blank page's canvas (no image library needed). */
async function countColours(browser: Browser, png: Buffer, colours: Record<string, number[]>) {
  const page = await browser.newPage();
  const counts = await page.evaluate(
    async ({ data, wanted }) => {
      const g = globalThis as unknown as {
        fetch(url: string): Promise<{ blob(): Promise<unknown> }>;
        createImageBitmap(blob: unknown): Promise<{ width: number; height: number }>;
        OffscreenCanvas: new (
          w: number,
          h: number,
        ) => {
          getContext(kind: '2d'): {
            drawImage(image: unknown, x: number, y: number): void;
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
          };
        };
      };
      const bitmap = await g.createImageBitmap(await (await g.fetch(`data:image/png;base64,${data}`)).blob());
      const context = new g.OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
      context.drawImage(bitmap, 0, 0);
      const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
      const result: Record<string, number> = {};
      for (const [name, [r, g2, b]] of Object.entries(wanted)) {
        let n = 0;
        for (let i = 0; i < pixels.length; i += 4)
          if (Math.abs(pixels[i]! - r!) + Math.abs(pixels[i + 1]! - g2!) + Math.abs(pixels[i + 2]! - b!) < 12) n++;
        result[name] = n;
      }
      return result;
    },
    { data: png.toString('base64'), wanted: colours },
  );
  await page.close();
  return counts;
}

describe('drift content: the diff in the html report, in headless Chromium', function () {
  this.timeout(120_000);
  const chrome = useChromium('driftspec-content-html-');

  it('shows removed lines on red and added lines on green; hostile text in a diff runs nothing', async () => {
    const report = sampleDriftReport();
    const path = join(chrome.files(), 'drift.html');
    writeFileSync(path, [...renderDriftHtml(report, report.verdict!)].join(''));
    const url = pathToFileURL(path).href;
    const context = await chrome
      .browser()
      .newContext({ javaScriptEnabled: true, viewport: { width: 1000, height: 800 } });
    await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    const lines = await page.$$eval('pre.diff span', (spans) => spans.map((s) => [s.className, s.textContent]));
    expect(lines).to.deep.equal([
      ['hunk', '@@ -1,2 +1,2 @@'],
      ['ctx', ' Welcome.'],
      ['del', '-Authorised use only.'],
      ['add', '+<script>alert(1)</script> ]]> `x` | \\x1b[31mred\\u202e'],
    ]);
    const diff = await page.$('pre.diff');
    const screenshot = await diff!.screenshot({ path: join(chrome.files(), 'diff.png') });
    const counts = await countColours(chrome.browser(), screenshot, {
      added: [230, 255, 236],
      removed: [255, 235, 233],
    });
    expect(counts.added, 'green pixels of the added line').to.be.greaterThan(500);
    expect(counts.removed, 'red pixels of the removed line').to.be.greaterThan(500);
    expect(dialogs).to.deep.equal([]);
    await context.close();
  });
});
