import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { startBrowser, describeViolations, type BrowserHarness } from './support/browser';

// The harness the site's browser tests stand on (issue #13): if axe did not really run, or a
// page's CSP were not really enforced, every "zero violations" there would be worthless.
const CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const STYLE = 'body{font-family:sans-serif;color:#1b1b1b;background:#fff}';
const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harness</title><link rel="stylesheet" href="/style.css"></head><body><main><h1>Harness</h1>${body}</main></body></html>`;
const PAGES: Record<string, string> = {
  '/good': page('<form method="post" action="/good"><label for="name">Name</label> <input id="name" name="name" type="text"><button type="submit">Send</button></form>'),
  '/bad': page('<img src="/style.css"><input name="name" type="text"><p style="color:#ccc">faint</p>'),
};

describe('browser harness (headless Chromium, axe-core)', () => {
  let server: Server;
  let base: string;
  let browser: BrowserHarness;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/style.css') {
        response.writeHead(200, { 'content-type': 'text/css' }).end(STYLE);
        return;
      }
      const body = PAGES[request.url ?? ''];
      if (!body) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await startBrowser('browser-harness');
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('runs axe in the page: an accessible page has no violations, a faulty one has its faults named', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${base}/good`);
    expect(describeViolations(await browser.axe(tab))).toEqual([]);
    await tab.goto(`${base}/bad`);
    const ids = (await browser.axe(tab)).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['image-alt', 'label', 'color-contrast']));
  });

  it('leaves the page under its CSP: an injected script is refused and never runs', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${base}/good`);
    // axe ran on a copy; the page itself must still refuse scripts afterwards.
    await browser.axe(tab);
    const attempt = await browser.tryInlineScript(tab);
    expect(attempt.ran).toBe(false);
    expect(attempt.violations).toContain('script-src-elem');
    expect(attempt.refusal).toContain('Content Security Policy');
  });

  it('keeps a full-page screenshot under test-results/screenshots/<suite>/', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${base}/good`);
    const file = await browser.screenshot(tab, 'good');
    expect(file).toMatch(/test-results\/screenshots\/browser-harness\/good\.png$/);
    expect((await readFile(file)).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('fails, naming what to install, when Chromium is missing (browser tests never skip)', async () => {
    await expect(startBrowser('missing', { executablePath: '/nonexistent/chromium' })).rejects.toThrow(/Chromium is not installed at \/nonexistent\/chromium.*do not skip/);
  });
});
