import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { requireInCi } from './environment.js';

/** Debian's chromium package; a browser is never downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium for the suite (launched before, closed after) and a temporary folder for the
 * pages it opens (removed after). Without Chromium the suite is skipped, and fails under CI.
 */
export function useChromium(prefix: string): { browser(): Browser; files(): string } {
  let browser: Browser | undefined;
  let files: string | undefined;
  before(async function () {
    if (!existsSync(CHROMIUM)) requireInCi(this, `${CHROMIUM} (Debian package chromium) is not installed`);
    files = mkdtempSync(join(tmpdir(), prefix));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    if (files) rmSync(files, { recursive: true, force: true });
  });
  return { browser: () => browser!, files: () => files! };
}
