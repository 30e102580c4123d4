// With no keychain (a desktop whose Secret Service is not running), the API keys page says so
// before anything is typed, and offers no form that could only fail on submit.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { openScripInBrowser } from './support/scrip-process';

test('the API keys page says no key can be issued, and why, instead of a form that fails', async ({ browser }) => {
  const { scrip, context, page } = await openScripInBrowser(
    browser,
    {},
    { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/scrip-no-bus' },
  );
  try {
    await page.goto(new URL('/#/api-keys', scrip.ready.url).toString());
    await expect(page.getByRole('heading', { level: 1, name: 'API keys' }), 'the page opens').toBeVisible();
    const notice = page.getByTestId('no-key-store');
    await expect(notice, 'the page says at once that no key can be issued').toContainText(
      'No key can be issued on this computer now',
    );
    await expect(notice, 'and what to do').toContainText('SCRIP_KEYCHAIN=file');
    await expect(page.getByRole('button', { name: 'Issue key' }), 'no form that could only fail on submit').toHaveCount(
      0,
    );
    const axe = await new AxeBuilder({ page }).analyze();
    expect(
      axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
      'the notice is accessible',
    ).toEqual([]);
  } finally {
    await context.close();
    await scrip.stop();
  }
});
