import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { renderHtmlReport } from '../../reporters/html/run.js';
import { decideVerdict, type Verdict } from '../../src/gate/verdict.js';
import { RunResultSchema, type RunResult } from '../../src/results/schema.js';
import { HOSTILE, LARGE_VERDICT, largeRun, SAMPLE_VERDICT, sampleRun } from '../fixtures/html/sample-run.js';
import { requireInCi } from '../support/environment.js';
import { runLocally } from '../support/local.js';
import { command, control, file } from '../../src/dsl/index.js';

/** Debian's chromium package; a browser is never downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('test-output/html-report');
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Opened {
  page: Page;
  /** Every request the page made other than loading its own file. */
  requests: string[];
  errors: string[];
  dialogs: string[];
}

describe('html reporter in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let files: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) requireInCi(this, `${CHROMIUM} (Debian package chromium) is not installed`);
    mkdirSync(ARTIFACTS, { recursive: true });
    files = mkdtempSync(join(tmpdir(), 'driftspec-html-'));
    // launch() starts Chromium on a fresh temporary user data dir of its own and removes it on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  after(async () => {
    await browser?.close();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  /** A new context per page: no cookie, cache or storage carried over from another test. */
  function newContext(javaScriptEnabled: boolean): Promise<BrowserContext> {
    return browser!.newContext({
      javaScriptEnabled,
      viewport: { width: 1280, height: 900 },
      colorScheme: 'light',
      serviceWorkers: 'block',
    });
  }

  function open(result: RunResult, verdict: Verdict, name: string, javaScriptEnabled = true): Promise<Opened> {
    return openPage(renderHtmlReport(result, verdict), name, javaScriptEnabled);
  }

  async function openPage(text: string, name: string, javaScriptEnabled = true): Promise<Opened> {
    const path = join(files, `${name}.html`);
    writeFileSync(path, text);
    const url = pathToFileURL(path).href;
    const context = await newContext(javaScriptEnabled);
    const opened: Opened = { page: await context.newPage(), requests: [], errors: [], dialogs: [] };
    await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    context.on('request', (request) => {
      if (request.url() !== url) opened.requests.push(request.url());
    });
    const { page } = opened;
    page.on('websocket', (socket) => opened.requests.push(socket.url()));
    page.on('pageerror', (error) => opened.errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') opened.errors.push(message.text());
    });
    page.on('dialog', (dialog) => {
      opened.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    return opened;
  }

  function expectQuiet(opened: Opened): void {
    expect(opened.requests, 'network requests').to.deep.equal([]);
    expect(opened.errors, 'page errors and console errors').to.deep.equal([]);
    expect(opened.dialogs, 'dialogs').to.deep.equal([]);
  }

  const visibleStatuses = (page: Page, scope = '.host') =>
    page.$$eval(`${scope} .check`, (items) =>
      items
        .filter((el) => (el as unknown as { offsetParent: unknown }).offsetParent !== null)
        .map((el) => el.getAttribute('data-status')),
    );

  it('shows the verdict, totals and hosts, failures first, with no request and no error', async () => {
    const result = sampleRun();
    const opened = await open(result, SAMPLE_VERDICT, 'sample');
    const { page } = opened;
    await page.screenshot({ path: join(ARTIFACTS, 'sample.png'), fullPage: true });

    expect(await page.textContent('#verdict'))
      .to.include(SAMPLE_VERDICT.summary)
      .and.include('exit code 2');
    expect(await page.$$eval('ul.reasons li', (items) => items.map((li) => li.textContent))).to.deep.equal(
      SAMPLE_VERDICT.reasons,
    );
    for (const status of ['passed', 'failed', 'error', 'skipped'] as const) {
      expect(await page.textContent(`[data-total=${status}]`)).to.equal(String(result.counts[status]));
      expect(await page.textContent(`#filters .f-${status} .count`)).to.equal(String(result.counts[status]));
    }
    const total = result.counts.passed + result.counts.failed + result.counts.error + result.counts.skipped;
    expect(await page.$$eval('.check', (items) => items.length)).to.equal(total);
    expect(await page.textContent('#shown')).to.equal(`showing ${total} of ${total} checks`);

    const hostRows = await page.$$eval('table.hosts tbody tr:not(.reason)', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(hostRows.map((r) => r.slice(0, 3))).to.deep.equal([
      ['ssh://root@web-1.example.test:22', 'completed', 'Debian GNU/Linux 12 (bookworm)'],
      ['ssh://root@web-2.example.test:22', 'completed', 'Debian GNU/Linux 12 (bookworm)'],
      ['ssh://root@db-3.example.test:22', 'unreachable', ''],
    ]);
    expect(hostRows[0]!.slice(4, 8)).to.deep.equal(['2', '1', '1', '6']);
    expect(await page.textContent('table.hosts tr.reason')).to.equal(
      'unreachable: connection refused by db-3.example.test:22 (refused)',
    );

    // Failures, then errors, then skips, then passes: by group and within each group.
    const groups = await page.$$eval('#host-0 .group', (items) =>
      items.map((g) => [
        g.querySelector('h3')!.textContent,
        [...g.querySelectorAll('.check')].map((c) => c.getAttribute('data-status')).join(' '),
      ]),
    );
    expect(groups).to.deep.equal([
      ['fs-01 Sensitive files are protected', 'failed passed passed'],
      [`${HOSTILE.controlId} ${HOSTILE.title}`, 'failed'],
      ['ssh-01 SSH server present and running', 'error passed passed'],
      ['pkg-01 No legacy network services', 'skipped passed'],
      ['Checks outside any control', 'passed'],
    ]);
    expect(await page.textContent('#host-0 .group .gh')).to.include('impact medium 0.4');
    expect(await page.textContent('#host-0 .group:has(h3:has-text("ssh-01")) .tags')).to.equal(
      'cis: 5.2.1nist: AC-17, IA-2',
    );
    expect(await page.$eval('#host-0 .check[data-status=failed] .ea', (ea) => ea.textContent))
      .to.include('expected')
      .and.include('actual');
    expectQuiet(opened);
  });

  it('shows hostile text literally and runs none of it', async () => {
    const opened = await open(sampleRun(), SAMPLE_VERDICT, 'hostile');
    const { page } = opened;
    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).to.equal(undefined);
    const texts = await page.$$eval('.check .t', (items) => items.map((el) => el.firstChild?.textContent));
    // The title is one text node, not markup: the evidence link follows it as the only element.
    expect(texts).to.include(HOSTILE.title);
    expect(await page.textContent('body'))
      .to.include(HOSTILE.message)
      .and.include(HOSTILE.tag)
      .and.include(HOSTILE.controlId);
    expect(await page.$$eval('script', (s) => s.length)).to.equal(1);
    expect(await page.$$eval('img, svg, iframe, object, embed', (s) => s.length)).to.equal(0);
    const hostile = page.locator('#host-0 .check', { hasText: 'window.__pwned' });
    await hostile.locator('a.ev').click();
    const [stdout] = await hostile.locator('.evd .ea pre').allTextContents();
    expect(stdout).to.include(HOSTILE.stdout);
    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).to.equal(undefined);
    expectQuiet(opened);
  });

  it('filters by status and by text', async () => {
    const result = sampleRun();
    const opened = await open(result, SAMPLE_VERDICT, 'filters');
    const { page } = opened;
    await page.uncheck('#filters .f-passed input');
    const shown = await visibleStatuses(page, '#host-0');
    expect(shown).to.not.include('passed');
    expect(shown).to.have.length(4);
    // web-2 has only passing checks: its groups hide and it says so.
    expect(await page.isVisible('#host-1 .nomatch')).to.equal(true);
    expect(await page.$$eval('#host-1 .group', (groups) => groups.every((g) => g.hasAttribute('hidden')))).to.equal(
      true,
    );
    expect(await page.textContent('#shown')).to.equal(
      `showing ${result.counts.failed + result.counts.error + result.counts.skipped} of 15 checks`,
    );

    await page.check('#filters .f-passed input');
    await page.fill('#search', '/etc/shadow');
    const matching = await page.$$eval('.check', (items) => items.filter((el) => !el.hasAttribute('hidden')).length);
    expect(matching).to.equal(4);
    await page.fill('#search', 'SSH-01');
    expect(await page.textContent('#shown')).to.equal('showing 5 of 15 checks');
    await page.fill('#search', 'web-2.example');
    expect(await visibleStatuses(page)).to.deep.equal(['passed', 'passed']);
    await page.fill('#search', '');
    expect(await page.textContent('#shown')).to.equal('showing 15 of 15 checks');
    expectQuiet(opened);
  });

  it('expands evidence in place: script, stdout, stderr and the truncation note', async () => {
    const opened = await open(sampleRun(), SAMPLE_VERDICT, 'evidence');
    const { page } = opened;
    const check = page.locator('#host-0 .check', { hasText: 'port 22 should be listening' });
    expect(await check.locator('.evd').count()).to.equal(0);
    await check.locator('a.ev').click();
    const evidence = check.locator('.evd');
    expect(await evidence.isVisible()).to.equal(true);
    const text = await evidence.textContent();
    expect(text).to.include('ss -H -l -n -t -u -p').and.include('sh: 1: ss: not found').and.include('exit 127');
    const hostile = page.locator('#host-0 .check', { hasText: 'window.__pwned' });
    await hostile.locator('a.ev').click();
    expect(await hostile.locator('.trunc').textContent())
      .to.include('4096 bytes')
      .and.include('stdout had 10000');
    await page.screenshot({ path: join(ARTIFACTS, 'evidence.png'), fullPage: false, clip: await boxOf(check) });
    await check.locator('a.ev').click();
    expect(await check.locator('.evd').count()).to.equal(0);
    expectQuiet(opened);
  });

  it('shows everything without JavaScript; evidence links open the query', async () => {
    const result = sampleRun();
    const opened = await open(result, SAMPLE_VERDICT, 'no-script', false);
    const { page } = opened;
    expect(await page.isVisible('#filters')).to.equal(false);
    const completed = await visibleStatuses(page, ':is(#host-0, #host-1)');
    expect(completed).to.have.length(result.hosts[0]!.results.length + result.hosts[1]!.results.length);
    await page.click('#host-0 .check:has-text("port 22") a.ev');
    expect(await page.isVisible('#host-0 .evlist .evb:has-text("ss -H -l -n")')).to.equal(true);
    await page.screenshot({ path: join(ARTIFACTS, 'no-script.png'), fullPage: false });
    expectQuiet(opened);
  });

  it('would notice a request: the recording itself works', async () => {
    const page = '<!doctype html><link rel="stylesheet" href="missing.css"><img src="https://example.invalid/x.png">';
    const opened = await openPage(page, 'leaky');
    expect(opened.requests.map((url) => url.replace(/^file:.*\//, 'file:'))).to.have.members([
      'file:missing.css',
      'https://example.invalid/x.png',
    ]);
  });

  it('renders a real local run', async () => {
    const hostResult = await runLocally(() => {
      control('real-01', { title: 'A real run', impact: 'high', tags: { cis: '1.1.1' } }, () => {
        file('/etc/passwd').isFile().owner('root');
        file('/nonexistent-driftspec-html').exists();
        command('echo out; echo err >&2; exit 3').exitStatus(0);
      });
    });
    const result: RunResult = {
      schemaVersion: 1,
      tool: { name: 'driftspec', version: '0.0.0-test' },
      startedAt: hostResult.startedAt,
      finishedAt: hostResult.startedAt,
      specs: [{ name: 'test' }],
      controls: [{ id: 'real-01', title: 'A real run', impact: 0.7, tags: { cis: '1.1.1' }, refs: [] }],
      counts: hostResult.counts,
      hosts: [hostResult],
    };
    const opened = await open(
      result,
      { verdict: 'blocked', exitCode: 1, summary: 'blocked: 1 failed control', reasons: [] },
      'real',
    );
    const { page } = opened;
    expect(await visibleStatuses(page)).to.deep.equal(['failed', 'failed', 'passed', 'passed']);
    const check = page.locator('.check', { hasText: 'echo out' });
    await check.locator('a.ev').click();
    // The command resource frames the command's own streams inside the query's stdout.
    const [stdout] = await check.locator('.evd .ea pre').allTextContents();
    expect(stdout).to.match(/\nout\nerr\n$/);
    await page.screenshot({ path: join(ARTIFACTS, 'real-local.png'), fullPage: true });
    expectQuiet(opened);
  });

  it('renders the recorded real run of the golden reports', async () => {
    const result = RunResultSchema.parse(JSON.parse(readFileSync('test/fixtures/golden/run.json', 'utf8')));
    const opened = await open(result, decideVerdict(result), 'golden');
    const { page } = opened;
    expect(await page.$$eval('.check', (items) => items.length)).to.equal(
      result.hosts.reduce((n, h) => n + h.results.length, 0),
    );
    const shown = await visibleStatuses(page, '#host-0');
    expect(shown[0]).to.equal('failed');
    expect(shown).to.have.members(result.hosts[0]!.results.map((r) => r.status));
    await page.screenshot({ path: join(ARTIFACTS, 'golden-run.png'), fullPage: true });
    expectQuiet(opened);
  });

  it('renders 1000 checks and filters them quickly', async () => {
    const result = largeRun(1000);
    const opened = await open(result, LARGE_VERDICT, 'large');
    const { page } = opened;
    const loadMs = await page.evaluate(() => {
      const [navigation] = (
        globalThis as unknown as { performance: { getEntriesByType(type: string): { loadEventEnd: number }[] } }
      ).performance.getEntriesByType('navigation');
      return navigation!.loadEventEnd;
    });
    expect(await page.$$eval('.check', (items) => items.length)).to.equal(1000);
    const filterStarted = Date.now();
    await page.uncheck('#filters .f-passed input');
    expect(await page.textContent('#shown')).to.equal(`showing ${result.counts.failed} of 1000 checks`);
    const filterMs = Date.now() - filterStarted;
    await page.screenshot({ path: join(ARTIFACTS, 'large-failures.png'), fullPage: false });
    // Generous bounds: they catch a page that does not scale, not a slow machine.
    expect(loadMs, 'load').to.be.below(20_000);
    expect(filterMs, 'filter').to.be.below(5_000);
    expectQuiet(opened);
  });
});

async function boxOf(locator: Locator) {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element has no box');
  return { x: 0, y: Math.max(0, box.y - 10), width: 1280, height: Math.min(900, box.height + 20) };
}
