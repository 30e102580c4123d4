// Two people's cards in two readers (the real vpcd's two slots): the login panel names both by
// holder, the person chooses theirs by keyboard, and the session is theirs. Pulling it offers the
// card left in the other reader at once.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { openScripInBrowser, type ScripProcess } from './support/scrip-process';
import { virtualCardFor, type TestCard } from '../support/virtual-card';

const PIN = '482913';
let scrip: ScripProcess;
let gp: TestCard;
let nurse: TestCard;
let context: BrowserContext;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  ({ scrip, context, page } = await openScripInBrowser(browser));
  gp = virtualCardFor(scrip.dataDir, { pin: PIN, port: 35963 });
  nurse = virtualCardFor(scrip.dataDir, { pin: PIN, userId: '555086690109', name: 'MRS JANE SMITH', port: 35964 });
});
test.afterAll(async () => {
  await gp?.remove().catch(() => undefined);
  await nurse?.remove().catch(() => undefined);
  await context?.close();
  await scrip?.stop();
});

test('both cards are offered by holder; the one chosen is the one logged in with', async () => {
  await gp.insert();
  await nurse.insert();
  const choice = page.getByTestId('card-choice');
  await expect(choice, 'with two cards present the panel asks which one').toContainText(
    'There are 2 cards in your readers',
  );
  await expect(
    choice.getByLabel(/DR CLARE BOIN \(555086689106\)/),
    'the first card is named by its holder',
  ).toBeVisible();
  const smith = choice.getByLabel(/MRS JANE SMITH \(555086690109\)/);
  await expect(smith, 'the second card is named by its holder').toBeVisible();
  await smith.focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('card-holder'), 'the card details follow the choice').toContainText('555086690109');
  const axe = await new AxeBuilder({ page }).analyze();
  expect(
    axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    'the choice is accessible',
  ).toEqual([]);
  await page.getByLabel('Passcode', { exact: true }).focus();
  await page.keyboard.type(PIN);
  await page.keyboard.press('Enter');
  await expect(
    page.getByRole('heading', { name: /Logged in as MRS JANE SMITH/ }),
    "the session is the chosen card holder's",
  ).toBeVisible();
});

test('pulling the chosen card ends the session and offers the card still in the other reader', async () => {
  await nurse.remove();
  await expect(page.getByTestId('session-status'), 'the session ends with its card').toHaveText('Not logged in');
  await expect(
    page.getByTestId('card-holder'),
    'the card left in the other reader is offered without reinserting it',
  ).toContainText('555086689106', { timeout: 5000 });
  await expect(page.getByTestId('card-choice'), 'one card left: nothing to choose').toHaveCount(0);
});
