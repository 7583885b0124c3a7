// The page as a user sees it: the first-visit sample, the live verdict, the path and trace,
// the flow form, the flows list, the samples menu, starting over, keyboard use.
import { test, expect, openFresh, startOver, azNsg } from './fixtures.mjs';

test('the first visit shows the sample and its verdict', async ({ page }) => {
  await openFresh(page);
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await expect(page.getByTestId('matched-rule')).toContainText('securityRules/AllowHttpsFromAny');
  await expect(page.getByTestId('decided-by')).toContainText('nic');
  await expect(page.getByTestId('decided-by')).toContainText('nsg-web-nic');
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue(/nsg-web-subnet/);
  await expect(page.getByTestId('flows-summary')).toHaveText('11 passed, 0 failed, 0 skipped');
  await expect(page.getByTestId('flow-row')).toHaveCount(11);
});

test('each layer decides and shows its decision in the path and the trace', async ({ page }) => {
  await openFresh(page);
  const rows = page.getByTestId('flow-row');
  const cases = [
    // [flow row, verdict, rule, deciding layer]
    [0, 'Allow', 'securityRules/AllowHttpsFromAny', 'nic'],
    [1, 'Deny', 'securityAdminRules/DenyHighRiskTcp', 'admin'],
    [2, 'Allow', 'securityAdminRules/AlwaysAllowMgmtSsh', 'admin'],
    [3, 'Deny', 'securityRules/DenyHttpFromInternet', 'nic'],
    [4, 'Deny', 'securityRules/DenyInternetToApp', 'subnet'],
    [7, 'Allow', 'defaultSecurityRules/AllowVnetOutBound', 'subnet'],
  ];
  for (const [row, access, rule, layer] of cases) {
    await rows.nth(row).getByRole('button').click();
    await expect(page.getByTestId('verdict')).toHaveText(new RegExp(`^${access}`));
    await expect(page.getByTestId('matched-rule')).toHaveText(rule);
    await expect(page.getByTestId('decided-by')).toContainText(layer);
    const trace = page.getByTestId('trace');
    const decidingLayer = trace.locator(`section[data-layer="${layer}"]`).last();
    await expect(decidingLayer.locator('tr.matched')).toContainText(rule);
  }
  // The first flow goes through all three layers: admin hands over, both NSGs allow.
  await rows.nth(0).getByRole('button').click();
  const trace = page.getByTestId('trace');
  await expect(trace.locator('section[data-layer="admin"] .badge')).toHaveText('Allow: the NSGs decide');
  await expect(trace.locator('section[data-layer="subnet"] .badge')).toHaveText('Allow');
  await expect(trace.locator('section[data-layer="nic"] .badge')).toHaveText('Allow');
  // A rule that did not match says why, field by field.
  await expect(trace.locator('section[data-layer="admin"] tr.why').first()).toContainText('not in 10.10.0.0/24');
  // The path is the report's: an admin Deny stops the packet before the NSGs, which are
  // shown with what they would decide.
  await rows.nth(1).getByRole('button').click();
  const path = page.getByTestId('path');
  const steps = path.getByTestId('path-step');
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(0)).toHaveAttribute('data-layer', 'admin');
  await expect(steps.nth(0)).toContainText('denies: securityAdminRules/DenyHighRiskTcp');
  await expect(path.locator('li[data-layer="subnet"]')).toContainText('not reached; would deny: defaultSecurityRules/DenyAllInBound');
  await expect(path.locator('li[data-layer="nic"]')).toContainText('not reached; would deny: defaultSecurityRules/DenyAllInBound');
  await expect(path.locator('li').last()).toContainText('Never arrives');
  // A Deny lists everything in the flow's way, each rule with its layer and resource.
  const blockers = page.getByTestId('blockers').locator('li');
  await expect(blockers).toHaveText([
    'securityAdminRules/DenyHighRiskTcp (admin rules protect-high-risk-ports)',
    'defaultSecurityRules/DenyAllInBound (subnet NSG nsg-web-subnet)',
    'defaultSecurityRules/DenyAllInBound (NIC NSG nsg-web-nic)',
  ]);
  // An allowed flow goes through every layer and has no blockers.
  await rows.nth(0).getByRole('button').click();
  await expect(steps.nth(0)).toContainText('passes to the NSGs: securityAdminRules/');
  await expect(path.locator('li[data-layer="nic"]')).toContainText('allows: securityRules/AllowHttpsFromAny');
  await expect(page.getByTestId('blockers')).toHaveCount(0);
  await expect(path.locator('li').last()).toContainText('Delivered');
});

test('editing the flow re-evaluates at once, and bad input is explained inline', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('flow-local').fill('10.0.1.4:22');
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityAdminRules/DenyHighRiskTcp');
  await page.getByTestId('flow-remote').fill('10.10.0.9:40000');
  await expect(page.getByTestId('matched-rule')).toHaveText('securityAdminRules/AlwaysAllowMgmtSsh');
  await page.getByTestId('flow-remote').fill('10.10.0.999:40000');
  await expect(page.locator('#flow-remote-error')).toContainText("'10.10.0.999' is not an IP address");
  await expect(page.getByTestId('flow-remote')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('verdict')).toHaveText(/^No verdict/);
  // IPv6 needs IPv6 on both ends.
  await page.getByTestId('flow-remote').fill('[2001:db8::7]:40000');
  await expect(page.getByTestId('flow-error')).toContainText('different address families');
  await page.getByTestId('flow-remote').fill('203.0.113.9:40000');
  await page.getByTestId('flow-direction').selectOption('Outbound');
  await expect(page.getByTestId('verdict')).toHaveText(/^(Allow|Deny)/);
});

test('ports are not used for Icmp, Esp and Ah', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('flow-protocol').selectOption('Icmp');
  await expect(page.locator('#flow-port-note')).toContainText('Icmp flows have no ports: the ports typed are ignored');
  await expect(page.getByTestId('verdict')).toHaveText(/^(Allow|Deny)/);
  await expect(page.getByTestId('flow-local')).toHaveAttribute('placeholder', '10.0.1.4');
  await page.getByTestId('flow-local').fill('10.0.1.4');
  await page.getByTestId('flow-remote').fill('203.0.113.7');
  await expect(page.locator('#flow-port-note')).toContainText('write IP addresses only');
  // Inbound Icmp from the Internet: no admin rule (they are Tcp), denied by the subnet's DenyAllInBound.
  await expect(page.getByTestId('matched-rule')).toHaveText('defaultSecurityRules/DenyAllInBound');
});

test('pasting an NSG changes the verdict', async ({ page }) => {
  await openFresh(page);
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  const nsg = azNsg('nsg-lockdown', [
    { name: 'DenyHttpsFromInternet', priority: 100, access: 'Deny', src: 'Internet', dport: '443' },
  ]);
  await page.getByTestId('slot-nic-nsg').fill(JSON.stringify(nsg, null, 2));
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/DenyHttpsFromInternet');
  await expect(page.getByTestId('decided-by')).toContainText('nsg-lockdown');
  await expect(page.locator('#slot-nic-nsg-status')).toContainText('nsg-lockdown');
});

test('an empty page allows everything, and says that nothing decided', async ({ page }) => {
  await openFresh(page);
  await startOver(page);
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await expect(page.getByTestId('decided-by')).toContainText('none');
  await expect(page.getByTestId('matched-rule')).toContainText('none');
});

test('starting over asks first, and Undo brings the work back', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('start-over').click();
  await expect(page.getByTestId('confirm-start-over')).toBeVisible();
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue(/nsg-web-subnet/);
  await page.getByTestId('confirm-start-over-yes').click();
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue('');
  await page.getByTestId('notice').getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue(/nsg-web-subnet/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/AllowHttpsFromAny');
});

test('the samples menu loads every sample, each meeting its expectations', async ({ page }) => {
  await openFresh(page);
  const options = await page.getByTestId('samples').locator('option[value]:not([value=""])').all();
  expect(options.length).toBeGreaterThanOrEqual(1);
  for (const option of options) {
    const value = await option.getAttribute('value');
    await page.getByTestId('samples').selectOption(value);
    await expect(page.getByTestId('notice')).toContainText('Loaded the sample');
    await expect(page.getByTestId('flows-summary')).toHaveText(/^[1-9]\d* passed, 0 failed, 0 skipped$/);
    await expect(page.getByTestId('input-error')).toHaveCount(0);
  }
});

test('flows can be added, selected from the list and removed', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('add-flow').click();
  await expect(page.getByTestId('flow-row')).toHaveCount(12);
  await expect(page.locator('#flow-form legend')).toHaveText('Flow 12 of 12');
  await page.getByTestId('flow-expect').selectOption('Deny');
  await expect(page.getByTestId('flow-row').nth(11).getByTestId('flow-row-check')).toContainText('not met');
  await expect(page.getByTestId('flows-summary')).toHaveText('11 passed, 1 failed, 0 skipped');
  await page.getByTestId('remove-flow').click();
  await expect(page.getByTestId('flow-row')).toHaveCount(11);
  await page.getByTestId('flow-row').nth(3).click();
  await expect(page.getByTestId('flow-local')).toHaveValue('10.0.1.4:80');
});

test('the page can be used with the keyboard alone', async ({ page }) => {
  await openFresh(page);
  // Flow rows are reached and chosen with Tab and Enter.
  const fourth = page.getByTestId('flow-row').nth(3).getByRole('button');
  await fourth.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/DenyHttpFromInternet');
  // Every control has a name a screen reader can say.
  for (const id of ['flow-direction', 'flow-protocol', 'flow-local', 'flow-remote', 'slot-subnet-nsg',
    'slot-nic-nsg', 'slot-admin-rules', 'slot-effective-rules', 'slot-service-tags', 'samples']) {
    const name = await page.getByTestId(id).evaluate((el) => el.labels?.[0]?.textContent ?? el.getAttribute('aria-label'));
    expect(name, id).toBeTruthy();
  }
  // Focus is visible.
  await page.getByTestId('flow-local').focus();
  await page.keyboard.press('Shift+Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  expect(outline).not.toBe('none');
});
