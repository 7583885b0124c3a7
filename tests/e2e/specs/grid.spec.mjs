// The Analysis area's Overview on the sample (samples/web-tier.json), at a phone's width and at
// a laptop's: a grid per direction whose cells are coloured by the final access, a click loads
// a flow whose verdict matches the cell, the tabs and the grid work with the keyboard alone, and
// nothing scrolls sideways.
//
// The cells checked, worked out by hand from the sample (the VM is 10.0.1.4, the flows' local
// address):
// - Internet, SSH: the admin rule DenyHighRiskTcp denies Tcp 20-23 from anywhere; only
//   10.10.0.0/24 is always allowed (AlwaysAllowMgmtSsh): deny, by the admin rules.
// - Internet, HTTPS: the admin rule AllowHttpsToWebTier hands over to the NSGs; the subnet NSG's
//   AllowHttpsInbound and the NIC NSG's AllowHttpsFromAny allow it: allow.
// - Internet, HTTP: the subnet NSG allows it (AllowHttpInbound), the NIC NSG denies it
//   (DenyHttpFromInternet): deny, by the NIC NSG.
// - 10.10.0.0/24, SSH: AlwaysAllowMgmtSsh: allow, by the admin rules.
import { test, expect, openFresh, showAnalysis } from './fixtures.mjs';

const cell = (page, remote, service, direction = 'Inbound') =>
  page.locator(`[data-testid=analysis-grid][data-direction=${direction}] [data-testid=grid-cell][data-remote="${remote}"][data-service="${service}"]`);

async function overview(page) {
  await openFresh(page);
  await showAnalysis(page);
  await expect(page.getByTestId('analysis-status')).toHaveText(/^Every flow analysed in \d+ ms\.$/, { timeout: 20_000 });
  await expect(page.getByTestId('analysis-grid')).toHaveCount(2);
}

for (const [name, viewport, mobile] of [['a phone', { width: 390, height: 844 }, true], ['a laptop', { width: 1280, height: 900 }, false]]) {
  test.describe(`on ${name}`, () => {
    test.use({ viewport, isMobile: mobile, hasTouch: mobile });

    test('the grid shows what is open; a cell loads a flow of its verdict; nothing scrolls sideways', async ({ page }) => {
      await overview(page);
      await expect(page.getByTestId('reach-heading')).toHaveText('Flows of 10.0.1.4 (the local address of the flows)');
      await expect(page.getByTestId('analysis-tab').and(page.locator('[aria-selected=true]'))).toHaveText('Overview');
      await expect(cell(page, 'Internet', 'SSH')).toHaveAttribute('data-access', 'deny');
      await expect(cell(page, 'Internet', 'HTTPS')).toHaveAttribute('data-access', 'allow');
      await expect(cell(page, 'Internet', 'HTTP')).toHaveAttribute('data-access', 'deny');
      await expect(cell(page, '10.10.0.0/24', 'SSH')).toHaveAttribute('data-access', 'allow');
      // The deciding layer is marked; the sentence names the rule.
      await expect(cell(page, 'Internet', 'SSH')).toHaveText('✗A');
      await expect(cell(page, 'Internet', 'HTTP').getByRole('button')).toHaveAttribute(
        'aria-label', 'HTTP (Tcp 80) from Internet: denied by securityRules/DenyHttpFromInternet (NIC NSG nsg-web-nic)');
      // The colours differ by access (not only the marks).
      const colour = (c) => c.getByRole('button').evaluate((b) => getComputedStyle(b).backgroundColor);
      expect(await colour(cell(page, 'Internet', 'HTTPS'))).not.toBe(await colour(cell(page, 'Internet', 'SSH')));
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      expect(scrollWidth, 'the page does not scroll sideways').toBeLessThanOrEqual(innerWidth);
      // A click loads an example of the cell: its verdict is the cell's.
      await cell(page, 'Internet', 'HTTPS').getByRole('button').click();
      await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
      await expect(page.getByTestId('flow-local')).toHaveValue('10.0.1.4:443');
      await showAnalysis(page);
      await cell(page, 'Internet', 'HTTP').getByRole('button').click();
      await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
      await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/DenyHttpFromInternet');
      // The cell's sentence stays under the grid, with the search that lists its flows.
      await showAnalysis(page);
      await expect(page.locator('#cell-detail')).toContainText('HTTP (Tcp 80) from Internet: denied by');
      await page.locator('#cell-detail').getByRole('button', { name: 'List these flows' }).click();
      await expect(page.getByTestId('analysis-tab').and(page.locator('[aria-selected=true]'))).toHaveText('Search');
      await expect(page.getByTestId('search-result')).toHaveText(/^Found: Deny Inbound Tcp local 10\.0\.1\.4:80 remote \S+ · securityRules\/DenyHttpFromInternet/);
    });

    test('the tabs and the grid work with the keyboard alone', async ({ page }) => {
      await overview(page);
      const tabs = page.getByTestId('analysis-tab');
      await tabs.first().focus();
      await page.keyboard.press('ArrowRight');
      await expect(tabs.nth(1)).toBeFocused();
      await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
      await expect(page.locator('#panel-reach')).toBeVisible();
      await expect(page.locator('#panel-overview')).toBeHidden();
      await page.keyboard.press('End');
      await expect(tabs.last()).toHaveText('Replay');
      await expect(tabs.last()).toBeFocused();
      await page.keyboard.press('Home');
      await expect(tabs.first()).toHaveAttribute('aria-selected', 'true');
      // Into the grid with Tab (past the panel and the counts): its first cell, the only one
      // in the tab order; then arrows move between cells; Enter loads.
      const first = page.locator('[data-testid=analysis-grid][data-direction=Inbound] .cell-button').first();
      for (let i = 0; i < 8 && !(await first.evaluate((b) => b === document.activeElement)); i++) {
        await page.keyboard.press('Tab');
      }
      await expect(first).toBeFocused();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowRight');
      const focused = page.locator('.cell-button:focus');
      await expect(focused.locator('xpath=..')).toHaveAttribute('data-service', 'RDP');
      const remote = await focused.locator('xpath=..').getAttribute('data-remote');
      const access = await focused.locator('xpath=..').getAttribute('data-access');
      expect(remote).toBe('VirtualNetwork');
      await page.keyboard.press('Enter');
      await expect(page.getByTestId('verdict')).toHaveText(access === 'allow' ? /^Allow/ : /^Deny/);
    });
  });
}
