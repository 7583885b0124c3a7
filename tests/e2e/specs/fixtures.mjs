// Shared by every test: a page that fails the test on any page error, console error (CSP
// violations included) or request to anywhere but 127.0.0.1.
import { deflateSync } from 'node:zlib';
import { test as base, expect } from '@playwright/test';
import { baseURL } from '../playwright.config.mjs';

/** Watches a page; returns the list of problems seen so far (checked after each test). */
export function watch(page) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`unexpected dialog: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (['data:', 'blob:'].includes(url.protocol)) return;
    if (url.hostname !== '127.0.0.1') problems.push(`request left 127.0.0.1: ${request.url()}`);
  });
  return problems;
}

export const test = base.extend({
  // Every page a test opens, in any context, is watched.
  context: async ({ context }, use) => {
    const seen = [];
    context.on('page', (page) => seen.push(watch(page)));
    await use(context);
    expect(seen.flat(), 'page errors, console errors or requests leaving 127.0.0.1').toEqual([]);
  },
});

export { expect };

/** Opens the page on its first visit (empty storage) and waits for the first verdict. */
export async function openFresh(page, path = '/') {
  await page.goto(path);
  await expect(page.getByTestId('verdict')).toBeVisible();
}

/** The permalink of `scenario` on the page under test (docs/formats.md, Permalink). */
export function permalink(scenario) {
  return `${baseURL}#v1.${deflateSync(Buffer.from(JSON.stringify(scenario))).toString('base64url')}`;
}

/** Shows the Analysis area: its tab of the right-hand column at a laptop's width, else (on a
 * phone, where it follows the verdict) opens it. */
export async function showAnalysis(page) {
  const tab = page.getByRole('tab', { name: 'Analysis', exact: true });
  if (await tab.isVisible()) {
    await tab.click();
  } else if (!(await page.locator('#analysis-details').evaluate((d) => d.open))) {
    await page.getByTestId('analysis').locator('summary').click();
  }
}

/** Shows the flow form and its verdict (their tab of the right-hand column at a laptop's
 * width; on a phone they are always shown). */
export async function showVerdict(page) {
  const tab = page.getByRole('tab', { name: 'Flow and verdict', exact: true });
  if (await tab.isVisible()) await tab.click();
}

/** Shows the Analysis area on its tab `name` (Overview, Reachability, Findings, ...). */
export async function analysisTab(page, name) {
  await showAnalysis(page);
  await page.getByTestId('analysis-tab').filter({ hasText: name }).click();
}

/** Opens `scenario` from its permalink, then the Analysis area, and waits for its first
 * analysis. */
export async function openAnalysis(page, scenario) {
  await page.goto(permalink(scenario));
  await expect(page.getByTestId('verdict')).toBeAttached();
  await showAnalysis(page);
  await expect(page.getByTestId('analysis-status')).toHaveText(/^Every flow analysed in \d+ ms\.$/, { timeout: 20_000 });
}

/** Starts over (answering the confirmation) so a test begins from empty inputs. */
export async function startOver(page) {
  await page.getByTestId('start-over').click();
  await page.getByTestId('confirm-start-over-yes').click();
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue('');
}

/** An az CLI-shaped NSG (flattened rules) with the given rules. */
export function azNsg(name, rules) {
  return {
    name,
    id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/${name}`,
    type: 'Microsoft.Network/networkSecurityGroups',
    location: 'westeurope',
    resourceGroup: 'rg',
    securityRules: rules.map((r) => ({
      access: r.access,
      destinationAddressPrefix: r.dst ?? '*',
      destinationAddressPrefixes: [],
      destinationPortRange: r.dport ?? '*',
      destinationPortRanges: [],
      direction: r.direction ?? 'Inbound',
      name: r.name,
      priority: r.priority,
      protocol: r.protocol ?? 'Tcp',
      provisioningState: 'Succeeded',
      resourceGroup: 'rg',
      sourceAddressPrefix: r.src ?? '*',
      sourceAddressPrefixes: [],
      sourcePortRange: '*',
      sourcePortRanges: [],
      type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    })),
  };
}
