import { expect, type Page } from '@playwright/test';

/** On the receptionist's page: open Transfer on the call, pick Sales, write the reason, and call Sales. */
export async function startWarmTransfer(page: Page, callName: string | RegExp, reason: string) {
  const card = page.getByRole('article', { name: callName });
  await card.getByRole('button', { name: 'Transfer' }).click();
  const dialog = page.getByRole('dialog', { name: /^Transfer / });
  await dialog.getByLabel('Colleague (name or extension)').fill('sal');
  await expect(dialog.getByText('Transfer to Sales (1001)')).toBeVisible();
  await dialog.getByLabel('Reason for the call').fill(reason);
  await dialog.getByLabel('Account or order numbers').fill('Order 4711');
  await dialog.getByRole('button', { name: 'Call colleague' }).click();
  await expect(dialog).toBeHidden();
  return card;
}
