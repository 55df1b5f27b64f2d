import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AxeResults, Result as AxeViolation } from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Headless Chromium for the site's browser tests (issue #13): Debian's `chromium` package driven by
 * playwright-core, axe-core run in the page, screenshots kept as CI artefacts.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Without the background-networking flags Chromium keeps calling home on a closed network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WCAG 2.0 and 2.1, levels A and AA: what the issue asks the pages to meet. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** What the tests reach in the page (the project compiles without the DOM library). */
interface PageGlobals {
  axe: { run(context: unknown, options: object): Promise<AxeResults> };
  document: { addEventListener(type: 'securitypolicyviolation', listener: (event: { effectiveDirective: string }) => void): void };
  injectedScriptRan?: boolean;
  cspViolations: string[];
}

const SCREENSHOT_ROOT = path.resolve(__dirname, '../../../../test-results/screenshots');

export interface PageOptions {
  /** The browser's language (its Accept-Language), e.g. `ru-RU`. */
  locale?: string;
  /** The viewport in CSS pixels; 1024 × 768 unless given (320 wide: WCAG 1.4.10 Reflow). */
  viewport?: { width: number; height: number };
}

export interface BrowserHarness {
  browser: Browser;
  /** A page in a fresh context (cookies, storage, cache of its own), as a new visitor has. */
  newPage(options?: PageOptions): Promise<Page>;
  /**
   * axe-core's WCAG 2 A/AA violations of what `page` shows now. The page's strict CSP admits no
   * script, so axe runs on a copy: the same document, served at the same address (so its
   * stylesheet and images load from the server), in a context that bypasses CSP. The page itself
   * stays under its CSP.
   */
  axe(page: Page): Promise<AxeViolation[]>;
  /** A full-page screenshot at test-results/screenshots/<suite>/<name>.png; returns the file. */
  screenshot(page: Page, name: string): Promise<string>;
  /**
   * Whether a script could run in `page`: adds an inline script and reports whether it ran, the
   * CSP directives the browser reported it violated, and the refusal message if any.
   */
  tryInlineScript(page: Page): Promise<{ ran: boolean; violations: string[]; refusal?: string }>;
  /** Closes the pages `newPage` opened (an afterEach: a suite's tabs need not stay open). */
  closePages(): Promise<void>;
  close(): Promise<void>;
}

/** One line per violation, readable in a failed expectation. */
export const describeViolations = (violations: readonly AxeViolation[]): string[] =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

/**
 * Launches Chromium once for a suite. A missing Chromium fails the suite with what to install:
 * browser tests never skip (they are how the site's accessibility is known).
 */
export const startBrowser = async (suite: string, options: { executablePath?: string } = {}): Promise<BrowserHarness> => {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}: the browser tests need it (Debian: apt-get install chromium; or set CHROMIUM_PATH). They do not skip.`,
    );
  }
  // playwright-core gives every launch a fresh temporary profile (--user-data-dir) and removes it on close.
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  const contexts = new Set<BrowserContext>();
  let axePage: Promise<Page> | undefined;
  const axeContexts = new Set<BrowserContext>();
  /** The empty page the axe page opens on an origin, to load axe there once. */
  let blankAt: string | undefined;
  const newContext = async (options: PageOptions & { bypassCSP?: boolean }) => {
    const context = await browser.newContext({ locale: options.locale ?? 'en-GB', bypassCSP: options.bypassCSP ?? false, viewport: options.viewport ?? { width: 1024, height: 768 } });
    contexts.add(context);
    context.on('close', () => contexts.delete(context));
    return context;
  };

  return {
    browser,
    newPage: async (options = {}) => (await newContext(options)).newPage(),

    axe: async (page) => {
      const url = page.url();
      const markup = await page.content();
      // One CSP-bypassing page for every axe run of the suite, with axe loaded once per origin:
      // each run writes the copy into it (document.open keeps the window, so axe stays). A fresh
      // context and a fresh injection per run cost seconds on 2 cores.
      axePage ??= newContext({ bypassCSP: true }).then(async (context) => {
        axeContexts.add(context);
        const axeTab = await context.newPage();
        await axeTab.route(
          (u) => u.href === blankAt,
          (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><html lang="en"><title>axe</title></html>' }),
        );
        return axeTab;
      });
      const axeTab = await axePage;
      const origin = new URL(url).origin;
      if (new URL(axeTab.url()).origin !== origin) {
        blankAt = `${origin}/__axe__`;
        await axeTab.goto(blankAt, { waitUntil: 'load' });
        await axeTab.addScriptTag({ content: axeSource });
      }
      await axeTab.evaluate((html) => {
        const document = (globalThis as unknown as { document: { open(): void; write(markup: string): void; close(): void } }).document;
        document.open();
        document.write(html);
        document.close();
      }, markup);
      // The copy's stylesheet (same origin) must be applied before contrast is judged.
      await axeTab.waitForFunction(() => {
        const document = (globalThis as unknown as { document: { readyState: string; styleSheets: { length: number }; querySelectorAll(s: string): { length: number } } }).document;
        return document.readyState === 'complete' && document.styleSheets.length >= document.querySelectorAll('link[rel=stylesheet]').length;
      });
      const results = await axeTab.evaluate(
        async (tags) => {
          const page = globalThis as unknown as PageGlobals;
          return page.axe.run(page.document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
        },
        AXE_TAGS,
      );
      return results.violations;
    },

    screenshot: async (page, name) => {
      const dir = path.join(SCREENSHOT_ROOT, suite);
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },

    tryInlineScript: async (page) => {
      await page.evaluate(() => {
        const w = globalThis as unknown as PageGlobals;
        w.cspViolations = [];
        w.document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(e.effectiveDirective));
      });
      // Refused by the CSP, addScriptTag rejects with the browser's message: that is the answer, not a failure.
      const refusal = await page.addScriptTag({ content: 'window.injectedScriptRan = true;' }).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      await page.waitForFunction(() => {
        const w = globalThis as unknown as PageGlobals;
        return w.injectedScriptRan === true || w.cspViolations.length > 0;
      });
      const seen = await page.evaluate(() => {
        const w = globalThis as unknown as PageGlobals;
        return { ran: w.injectedScriptRan === true, violations: [...w.cspViolations] };
      });
      return { ...seen, refusal };
    },

    closePages: async () => {
      await Promise.all([...contexts].filter((c) => !axeContexts.has(c)).map((c) => c.close()));
    },

    // Closing the browser closes its contexts, and playwright-core removes the temporary profile.
    close: () => browser.close(),
  };
};
