// Input slots: file picker, drag and drop, errors with line and column, text kept as typed,
// admin configurations in order, list inputs, hostile rule names, large pastes.
import { test, expect, openFresh, startOver, azNsg } from './fixtures.mjs';

const denyAll443 = azNsg('nsg-from-file', [
  { name: 'DenyHttps', priority: 100, access: 'Deny', dport: '443' },
]);

test('a file chosen with the picker fills its slot', async ({ page }) => {
  await openFresh(page);
  const text = JSON.stringify(denyAll443, null, 2);
  await page.getByTestId('slot-subnet-nsg-file').setInputFiles({
    name: 'nsg.json',
    mimeType: 'application/json',
    buffer: Buffer.from(text),
  });
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue(text);
  await expect(page.locator('#slot-subnet-nsg-status')).toContainText('nsg-from-file');
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/DenyHttps');
});

test('a file dropped on a slot fills it', async ({ page }) => {
  await openFresh(page);
  const text = JSON.stringify(denyAll443);
  const transfer = await page.evaluateHandle((content) => {
    const data = new DataTransfer();
    data.items.add(new File([content], 'dropped.json', { type: 'application/json' }));
    return data;
  }, text);
  const slot = page.getByTestId('slot-nic-nsg').locator('xpath=..');
  await slot.dispatchEvent('dragover', { dataTransfer: transfer });
  await slot.dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.getByTestId('slot-nic-nsg')).toHaveValue(text);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/DenyHttps');
});

test('malformed JSON shows its line and column and keeps the text as typed', async ({ page }) => {
  await openFresh(page);
  const typed = '{\n  "name": "nsg-broken",\n  "securityRules": [\n    { "name": "x", }\n  ]\n}';
  await page.getByTestId('slot-subnet-nsg').fill(typed);
  const error = page.getByTestId('input-error');
  await expect(error).toHaveCount(1);
  await expect(error).toContainText('subnetNsg: line 4, column 20');
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue(typed);
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveAttribute('aria-invalid', 'true');
  // The other inputs still count: the flow is still decided (by the NIC NSG).
  await expect(page.getByTestId('inputs-in-error')).toBeVisible();
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/AllowHttpsFromAny');
  // A rule Azure would refuse is named, with its value.
  await page.getByTestId('slot-subnet-nsg').fill(JSON.stringify(azNsg('nsg-bad-port', [
    { name: 'WeirdPort', priority: 100, access: 'Allow', dport: '70000' },
  ])));
  await expect(page.getByTestId('input-error')).toContainText('WeirdPort');
  await expect(page.getByTestId('input-error')).toContainText('70000');
  // Clearing the slot clears the error.
  await page.getByRole('button', { name: 'Clear Subnet NSG' }).click();
  await expect(page.getByTestId('input-error')).toHaveCount(0);
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue('');
});

test('a document of the wrong kind for its slot is refused with a reason', async ({ page }) => {
  await openFresh(page);
  const admin = await page.getByTestId('slot-admin-rules').inputValue();
  await page.getByTestId('slot-subnet-nsg').fill(admin);
  await expect(page.getByTestId('input-error')).toContainText('subnetNsg expects a network security group');
});

test('admin configurations are evaluated highest scope first and can be reordered', async ({ page }) => {
  await openFresh(page);
  await startOver(page);
  const config = (name, access) => ({
    value: [{
      id: `/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkManagers/${name}/securityAdminConfigurations/cfg-${name}/ruleCollections/rc/rules/${name}-rule`,
      type: 'Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules',
      name: `${name}-rule`,
      kind: 'Custom',
      properties: {
        protocol: 'Tcp', access, priority: 10, direction: 'Inbound',
        sources: [], destinations: [], sourcePortRanges: [], destinationPortRanges: ['443'],
      },
    }],
  });
  await page.getByTestId('slot-admin-rules').fill(JSON.stringify(config('org', 'Deny')));
  await page.getByTestId('add-admin-rules').click();
  await page.getByTestId('slot-admin-rules-2').fill(JSON.stringify(config('team', 'AlwaysAllow')));
  await expect(page.getByTestId('matched-rule')).toHaveText('securityAdminRules/org-rule');
  await page.getByRole('button', { name: 'Move AVNM admin rules (2) up (higher scope)' }).click();
  await expect(page.getByTestId('matched-rule')).toHaveText('securityAdminRules/team-rule');
  await expect(page.getByTestId('slot-admin-rules')).toHaveValue(/team-rule/);
  await page.getByRole('button', { name: 'Remove AVNM admin rules', exact: true }).click();
  await expect(page.getByTestId('matched-rule')).toHaveText('securityAdminRules/org-rule');
});

test('virtual network prefixes and ASG membership are read and checked', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('virtual-network').fill('10.0.0.0/16\n10.0.0.0/33');
  await expect(page.getByTestId('input-error')).toContainText("'10.0.0.0/33' is not an IP prefix");
  await page.getByTestId('virtual-network').fill('10.0.0.0/16');
  await expect(page.getByTestId('input-error')).toHaveCount(0);
  await page.locator('details.more-inputs > summary').click();
  await page.getByTestId('asgs').fill('asg-web = 10.0.1.4, 10.0.1.400');
  await expect(page.getByTestId('input-error')).toContainText("'10.0.1.400' is not an IP address");
});

test('a rule named like HTML renders as text, never as markup', async ({ page }) => {
  await openFresh(page);
  const hostile = '<img src=x onerror=alert(1)>';
  await page.getByTestId('slot-nic-nsg').fill(JSON.stringify(azNsg('<b>nsg</b>', [
    { name: hostile, priority: 100, access: 'Deny', dport: '443' },
  ])));
  await expect(page.getByTestId('matched-rule')).toHaveText(`securityRules/${hostile}`);
  await expect(page.getByTestId('decided-by')).toContainText('<b>nsg</b>');
  await expect(page.locator('img')).toHaveCount(0);
  await expect(page.locator('main b')).toHaveCount(0);
  await expect(page.getByTestId('trace')).toContainText(hostile);
});

test('a 1,000-rule NSG is imported and evaluated, and typing in it stays live', async ({ page }) => {
  await openFresh(page);
  const rules = [];
  for (let i = 0; i < 1000; i++) {
    rules.push({ name: `Allow-${i}`, priority: 100 + i, access: 'Allow', src: `172.16.${i >> 8}.${i & 255}`, dport: String(1000 + i) });
  }
  const nsg = azNsg('nsg-big', rules);
  // Put the text in as a paste does (Playwright's fill types it through the editor: minutes).
  await page.getByTestId('slot-nic-nsg').evaluate((area, text) => {
    area.value = text;
    area.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, JSON.stringify(nsg, null, 1));
  await expect(page.locator('#slot-nic-nsg-status')).toContainText('nsg-big');
  await expect(page.getByTestId('matched-rule')).toHaveText('defaultSecurityRules/DenyAllInBound');
  // The trace shows the deciding layer collapsed, with the match, and expands on request.
  const layer = page.getByTestId('trace').locator('section[data-layer="nic"]');
  await expect(layer.locator('h4')).toContainText('1003 rules considered');
  await expect(layer.locator('tr.matched')).toContainText('DenyAllInBound');
  await expect(layer.locator('tr.rule')).toHaveCount(15);
  await expect(layer.locator('tr.gap')).toContainText('988 more rules not shown');
  // Each rule says why it did not match, on its own line.
  await expect(layer.locator('tr.why').first()).toContainText('source 203.0.113.7 is not in 172.16.0.0');
  await layer.getByRole('button', { name: 'Show all 1003 rules' }).click();
  await expect(layer.locator('tr.rule')).toHaveCount(1003);
  await expect(layer.locator('tr.gap')).toHaveCount(0);
  // A keystroke in the big slot re-evaluates.
  const area = page.getByTestId('slot-nic-nsg');
  await area.evaluate((a) => { a.focus(); a.setSelectionRange(a.value.indexOf('"Allow-999"') + 1, a.value.indexOf('"Allow-999"') + 1); });
  await page.keyboard.type('X');
  await expect(layer.locator('tr.matched')).toContainText('DenyAllInBound');
  await expect(layer).toContainText('XAllow-999');
  await expect(area).toHaveValue(/"XAllow-999"/);
});
