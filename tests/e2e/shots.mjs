// Screenshots of the built page for looking at the layout (a development tool, not a test):
// node shots.mjs [--dist ../../dist] [--out /tmp]   writes phone-*.png and laptop-*.png
// (the first screen, then a Deny with the share result, a screen at a time), and
// analysis-phone.png and analysis-laptop.png: the Analysis area's Overview on the sample (the
// README shows those, from docs/).
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const here = fileURLToPath(new URL('.', import.meta.url));
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const dist = resolve(here, option('dist', '../../dist'));
const out = option('out', '/tmp');
const server = spawn(process.execPath, [join(here, 'serve.mjs'), '--dir', dist, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok, fail) => {
  server.stdout.on('data', (d) => { const m = String(d).match(/(http:\/\/127\.0\.0\.1:\d+\/)/); if (m) ok(m[1]); });
  server.on('exit', () => fail(new Error('the static server stopped')));
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  for (const [name, viewport, mobile] of [['phone', { width: 390, height: 844 }, true], ['laptop', { width: 1280, height: 900 }, false]]) {
    const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile });
    const page = await context.newPage();
    await page.goto(url);
    await page.getByTestId('verdict').waitFor();
    await page.screenshot({ path: `${out}/${name}-first.png` });
    // The Overview of the sample's analysis: the grids.
    if (mobile) {
      await page.getByTestId('analysis').locator('summary').click();
    } else {
      await page.getByRole('tab', { name: 'Analysis' }).click();
    }
    await page.getByTestId('analysis-grid').first().waitFor({ timeout: 30_000 });
    if (mobile) await page.getByTestId('analysis').evaluate((a) => a.scrollIntoView());
    await page.screenshot({ path: `${out}/analysis-${name}.png` });
    if (!mobile) await page.getByRole('tab', { name: 'Flow and verdict' }).click();
    await page.getByTestId('flow-row').nth(1).getByRole('button').click();
    await page.getByTestId('blockers').waitFor();
    await page.getByTestId('share-link').click();
    await page.getByTestId('share-url').waitFor();
    // The whole page, a screen at a time.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let y = 0, i = 0; y < height; y += viewport.height, i++) {
      const clip = { x: 0, y, width: viewport.width, height: Math.min(viewport.height, height - y) };
      await page.screenshot({ path: `${out}/${name}-deny-${i}.png`, fullPage: true, clip });
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.kill();
}
