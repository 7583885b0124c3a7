// Offline and private: after one visit the page loads and works with no network; the page
// never asks anything of anyone but its own server, and its CSP holds.
import { test, expect, openFresh, showAnalysis } from './fixtures.mjs';

test('after one visit the page loads and evaluates offline', async ({ page, context }) => {
  await openFresh(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
  });
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await page.getByTestId('flow-local').fill('10.0.1.4:3389');
  await expect(page.getByTestId('matched-rule')).toHaveText('securityAdminRules/DenyHighRiskTcp');
  // A permalink opens offline too: the fragment never needs the server.
  await page.getByTestId('share-link').click();
  const url = await page.getByTestId('share-url').inputValue();
  const second = await context.newPage();
  await second.goto(url);
  await expect(second.getByTestId('flow-local')).toHaveValue('10.0.1.4:3389');
  await expect(second.getByTestId('verdict')).toHaveText(/^Deny/);
  // The analysis module and its workers come from the cache too.
  await showAnalysis(second);
  await expect(second.getByTestId('analysis-status')).toHaveText(/^Every flow analysed in \d+ ms\.$/, { timeout: 20_000 });
  await expect(second.getByTestId('analysis-grid').first()).toBeVisible();
  await expect(second.getByTestId('reach-row').first()).toBeAttached();
  await expect(second.getByTestId('finding').first()).toBeAttached();
  const kinds = await second.evaluate(async () => (await window.flowverify.lint(window.flowverify.decodePermalink(location.href))).findings.map((f) => f.kind));
  expect(kinds.length).toBeGreaterThan(0);
  await context.setOffline(false);
});

test('once loaded, the page sends no request at all while it is used', async ({ page }) => {
  await openFresh(page);
  await page.waitForLoadState('networkidle');
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.getByTestId('flow-local').fill('10.0.1.4:22');
  await page.getByTestId('flow-row').nth(5).getByRole('button').click();
  await page.getByTestId('slot-subnet-nsg').fill('{"name": "x", "securityRules": []}');
  await page.getByTestId('share-link').click();
  await page.getByTestId('samples').selectOption({ index: 1 });
  await page.waitForTimeout(500);
  expect(requests).toEqual([]);
});

test('the Content-Security-Policy is in force and nothing violates it', async ({ page, browser }) => {
  const violations = [];
  await page.exposeFunction('reportViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await openFresh(page);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("worker-src 'self'");
  expect(await page.locator('script:not([src])').count()).toBe(0);
  await page.getByTestId('flow-protocol').selectOption('Udp');
  await expect(page.getByTestId('verdict')).toHaveText(/^(Allow|Deny)/);
  expect(violations).toEqual([]);
  // The policy really refuses what it should: an inline script does not run (in a page of its
  // own, whose console error is the expected one).
  const context = await browser.newContext();
  const probe = await context.newPage();
  const refused = [];
  probe.on('console', (m) => { if (m.type() === 'error') refused.push(m.text()); });
  await probe.goto(page.url());
  await expect(probe.getByTestId('verdict')).toBeVisible();
  const ran = await probe.evaluate(() => {
    window.__inline = false;
    const s = document.createElement('script');
    s.textContent = 'window.__inline = true';
    document.body.appendChild(s);
    return window.__inline;
  });
  expect(ran).toBe(false);
  await expect.poll(() => refused.join('\n')).toContain('Content Security Policy');
  await context.close();
});
