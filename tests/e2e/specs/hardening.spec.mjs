// Inputs Azure accepts and inputs it never produces (docs/semantics.md, Inputs Azure accepts,
// and inputs it never produces), as the page shows them: text encodings of uploaded files,
// warnings in the slot that caused them and beside the verdict, rules read with a warning marked
// in the trace, duplicate keys, a flow port *, flows without an expectation, the note for a
// target without NSGs.
import { test, expect, openFresh, startOver, azNsg } from './fixtures.mjs';

const denyHttps = azNsg('nsg-powershell', [
  { name: 'DenyHttps', priority: 100, access: 'Deny', dport: '443' },
]);

/** `text` as Windows PowerShell 5.1 writes it: UTF-16 LE with a byte-order mark. */
function utf16le(text, bom = true) {
  const body = Buffer.from(text, 'utf16le');
  return bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), body]) : body;
}

test('a UTF-16 LE file with a byte-order mark fills its slot and gives a verdict', async ({ page }) => {
  await openFresh(page);
  const text = JSON.stringify(denyHttps, null, 2);
  await page.getByTestId('slot-subnet-nsg-file').setInputFiles({
    name: 'nsg.json', mimeType: 'application/json', buffer: utf16le(text),
  });
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue(text);
  await expect(page.locator('#slot-subnet-nsg-status')).toContainText('nsg-powershell');
  await expect(page.getByTestId('input-error')).toHaveCount(0);
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/DenyHttps');
  // Dropped, the same.
  const transfer = await page.evaluateHandle((bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'dropped.json', { type: 'application/json' }));
    return data;
  }, [...utf16le(text)]);
  const nic = page.getByTestId('slot-nic-nsg');
  await nic.locator('xpath=..').dispatchEvent('drop', { dataTransfer: transfer });
  await expect(nic).toHaveValue(text);
});

test('a file in an encoding FlowVerify cannot read is named in its slot, and the text is kept', async ({ page }) => {
  await openFresh(page);
  const area = page.getByTestId('slot-subnet-nsg');
  const before = await area.inputValue();
  await page.getByTestId('slot-subnet-nsg-file').setInputFiles({
    name: 'no-bom.json', mimeType: 'application/json', buffer: utf16le(JSON.stringify(denyHttps), false),
  });
  const error = page.getByTestId('input-error');
  await expect(error).toHaveCount(1);
  await expect(error).toContainText('no-bom.json was not loaded');
  await expect(error).toContainText('looks like UTF-16');
  await expect(error).toContainText('without a byte-order mark');
  await expect(area).toHaveValue(before);
  // The slot's own document is still used.
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await expect(page.locator('#slot-subnet-nsg-status')).toContainText('nsg-web-subnet');
  // Typing in the slot clears the message.
  await area.press('End');
  await area.press('Space');
  await expect(page.getByTestId('input-error')).toHaveCount(0);
  // Latin-1 bytes: the byte and its line are named.
  await page.getByTestId('slot-nic-nsg-file').setInputFiles({
    name: 'latin1.json', mimeType: 'application/json', buffer: Buffer.from('{"name": "caf\xe9"}', 'latin1'),
  });
  await expect(page.getByTestId('input-error')).toContainText('latin1.json was not loaded: line 1: byte 0xe9');
  await expect(page.getByTestId('slot-nic-nsg')).toHaveValue(/nsg-web-nic/);
});

test('a misspelt property is warned in its slot, beside the verdict, and on its rule in the trace', async ({ page }) => {
  await openFresh(page);
  const nsg = azNsg('nsg-typo', [
    { name: 'DenyHttps', priority: 100, access: 'Deny', dport: '443' },
  ]);
  const rule = nsg.securityRules[0];
  rule.sourceAddressPrefixs = rule.sourceAddressPrefix;
  delete rule.sourceAddressPrefix;
  await page.getByTestId('slot-nic-nsg').fill(JSON.stringify(nsg, null, 2));
  await expect(page.locator('#slot-nic-nsg-status')).toContainText('nsg-typo');
  // In the slot that caused it, one item per warning.
  const slotWarnings = page.getByTestId('slot-warnings');
  await expect(slotWarnings).toHaveCount(1);
  await expect(slotWarnings.locator('li').first()).toContainText("'sourceAddressPrefixs'");
  await expect(slotWarnings.locator('li').first()).toContainText('DenyHttps');
  await expect(page.locator('.slot', { has: page.getByTestId('slot-nic-nsg') }).getByTestId('slot-warnings')).toHaveCount(1);
  // Beside the verdict.
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  await expect(page.getByTestId('warnings')).toContainText("'sourceAddressPrefixs'");
  // The rule's row in the trace is marked, and its warnings are under its reason.
  const row = page.getByTestId('trace').locator('section[data-layer="nic"] tr.rule', { hasText: 'DenyHttps' });
  await expect(row.getByTestId('rule-warning')).toHaveCount(1);
  await expect(row.getByTestId('rule-warning')).toHaveAttribute('title', /sourceAddressPrefixs/);
  await expect(page.getByTestId('trace').locator('.rule-warnings').first()).toContainText("'sourceAddressPrefixs'");
  // Rules read cleanly are not marked.
  await expect(page.getByTestId('trace').locator('section[data-layer="subnet"]').getByTestId('rule-warning')).toHaveCount(0);
});

test('many warnings in a slot are collapsed to the first three', async ({ page }) => {
  await openFresh(page);
  const rules = [];
  for (let i = 0; i < 4; i++) rules.push({ name: `Typo${i}`, priority: 100 + i, access: 'Allow', dport: String(1000 + i) });
  const nsg = azNsg('nsg-typos', rules);
  for (const r of nsg.securityRules) { r.destinationPortRang = r.destinationPortRange; }
  await page.getByTestId('slot-subnet-nsg').fill(JSON.stringify(nsg));
  const slot = page.locator('.slot', { has: page.getByTestId('slot-subnet-nsg') });
  const slotWarnings = slot.getByTestId('slot-warnings');
  await expect(slotWarnings.locator('li')).toHaveCount(3);
  const more = slot.locator('details', { has: page.locator('summary', { hasText: /^Show all \d+$/ }) });
  const total = Number((await more.locator('summary').textContent()).match(/\d+/)[0]);
  expect(total).toBeGreaterThanOrEqual(4);
  await expect(slotWarnings).toContainText(`Read with ${total} warnings`);
  await expect(more.locator('li').first()).toBeHidden();
  await more.locator('summary').click();
  await expect(more.locator('li')).toHaveCount(total - 3);
  await expect(more.locator('li').last()).toBeVisible();
  await expect(more.locator('li').last()).toContainText('Typo3');
});

test('a duplicate JSON key is an input error with its line and column, and the text stays as typed', async ({ page }) => {
  await openFresh(page);
  const typed = '{\n  "name": "nsg-dup",\n  "securityRules": [\n    { "name": "R", "priority": 100, "direction": "Inbound",\n      "access": "Deny", "access": "Allow", "protocol": "Tcp",\n      "sourceAddressPrefix": "*", "sourcePortRange": "*",\n      "destinationAddressPrefix": "*", "destinationPortRange": "443" }\n  ]\n}';
  const area = page.getByTestId('slot-nic-nsg');
  await area.fill(typed);
  const error = page.getByTestId('input-error');
  await expect(error).toHaveCount(1);
  await expect(error).toContainText(/nicNsg: line 5, column \d+/);
  await expect(error).toContainText("'access' is given twice");
  await expect(area).toHaveValue(typed);
  await expect(area).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('inputs-in-error')).toBeVisible();
});

test('a flow with local port * gives an uncertain verdict with the port warning', async ({ page }) => {
  await openFresh(page);
  await expect(page.locator('#flow-port-note')).toContainText('IP:port');
  await expect(page.locator('#flow-port-note')).toContainText('IP:*');
  await page.getByTestId('flow-local').fill('10.0.1.4:*');
  await expect(page.getByTestId('flow-error')).toBeEmpty();
  await expect(page.getByTestId('verdict')).toHaveText(/\(uncertain\)/);
  await expect(page.getByTestId('warnings')).toContainText('port is * (any port)');
  // The conditions the port * leaves open show ?, labelled for screen readers.
  const unknown = page.getByTestId('trace').getByRole('cell', { name: 'unknown' });
  expect(await unknown.count()).toBeGreaterThan(0);
  await expect(unknown.first()).toHaveText(/\?/);
  // IPv6 too.
  await page.getByTestId('flow-local').fill('[2001:db8::4]:*');
  await page.getByTestId('flow-remote').fill('[2001:db8::7]:50000');
  await expect(page.getByTestId('flow-error')).toBeEmpty();
  await expect(page.getByTestId('verdict')).toHaveText(/^(Allow|Deny)/);
});

test('a flow without an expectation is skipped, never passed', async ({ page }) => {
  await openFresh(page);
  await expect(page.getByTestId('flows-summary')).toHaveText('11 passed, 0 failed, 0 skipped');
  await page.getByTestId('add-flow').click();
  const added = page.getByTestId('flow-row').nth(11);
  await expect(added.getByTestId('flow-row-check')).toContainText('skipped');
  await expect(added.getByTestId('flow-row-check')).toContainText('no expectation');
  await expect(added.getByTestId('flow-row-check')).not.toContainText('met');
  await expect(page.getByTestId('flows-summary')).toHaveText('11 passed, 0 failed, 1 skipped');
  // An expectation that cannot be checked (the flow has a problem) fails.
  await page.getByTestId('flow-expect').selectOption('Allow');
  await page.getByTestId('flow-local').fill('10.0.1.400:443');
  await expect(added.getByTestId('flow-row-check')).toContainText('not checked');
  await expect(page.getByTestId('flows-summary')).toHaveText('11 passed, 1 failed, 0 skipped');
});

test('with no NSG at all, the verdict notes that Azure answers NsgsNotAppliedOnNic', async ({ page }) => {
  await openFresh(page);
  await startOver(page);
  await page.getByTestId('flow-local').fill('10.0.1.4:443');
  await page.getByTestId('flow-remote').fill('203.0.113.7:50000');
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  const notes = page.getByTestId('notes');
  await expect(notes).toHaveAttribute('role', 'note');
  await expect(notes).toContainText('Note:');
  await expect(notes).toContainText('NsgsNotAppliedOnNic');
  // A note is a fact, not a warning.
  await expect(page.getByTestId('warnings').filter({ hasText: 'NsgsNotAppliedOnNic' })).toHaveCount(0);
  // With an NSG, no such note.
  await page.getByTestId('slot-nic-nsg').fill(JSON.stringify(denyHttps));
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  await expect(page.getByTestId('notes')).toHaveCount(0);
});
