// Debian's Chromium, headless, driven through playwright-core (no browser download): a
// fresh profile per launch, no network beyond what the page itself asks for, and every
// console message and page error of each page collected for the test to check.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.VIGIL_CHROMIUM || '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);

export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Resolves with { context, newPage(opts), close() }. newPage() gives a page whose
// `problems` array collects console errors and warnings and uncaught page errors.
export async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async newPage({ width = 1280, height = 800, colorScheme = 'light' } = {}) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      page.problems = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') page.problems.push(`console.${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
      return page;
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// The text of the element that selector names, once it matches re (a RegExp; the page's
// CSP forbids eval, so the test is passed as a pattern, not a function).
export async function waitText(page, selector, re, timeout = 20000) {
  const handle = await page.waitForFunction(
    ([sel, src, flags]) => {
      const el = document.querySelector(sel);
      if (!el) return false;
      const t = el.textContent.trim();
      return new RegExp(src, flags).test(t) ? t : false;
    },
    [selector, re.source, re.flags],
    { timeout, polling: 50 },
  );
  return handle.jsonValue();
}
