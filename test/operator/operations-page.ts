import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import type { Browser, Page } from 'playwright-core';
import type { Tenant } from '#libs/tenancy';
import { launchBrowser } from '../support/browser.js';
import { waitForRun } from '../support/runs.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('operations-page', () => {
  let t: TestApp;
  let browser: Browser;
  let workspace: WorkspaceBuilder;
  let contoso: Tenant;
  let fabrikam: Tenant;
  let operator: TestUser;
  let succeededId: string;
  let failedId: string;
  let elsewhereId: string;

  const start = async (tenant: Tenant, user: TestUser, kind: string, body: object) => {
    const response = await t.http.post(`/probe/tenants/${tenant.id}/${kind}`, {
      token: user.token,
      body,
    });
    expect([200, 202]).toContain(response.status);
    return response.body.run.id as string;
  };

  beforeAll(async () => {
    t = await startTestApp({}, { probes: true });
    browser = await launchBrowser();
    workspace = await t.world.workspace();
    contoso = await workspace.tenant({ displayName: 'Contoso' });
    fabrikam = await workspace.tenant({ displayName: 'Fabrikam' });
    operator = await workspace.member('operator');
    succeededId = await start(contoso, operator, 'active', { key: 'ok', work: { succeeded: 4 } });
    failedId = await start(fabrikam, operator, 'request', {
      key: 'bad',
      work: { nonRetryable: true, errorMessage: 'Denied with password=hunter2' },
    });
    // A run of another workspace, which no one here may see.
    const other = await t.world.tenantWithMember('owner');
    elsewhereId = await start(other.tenant, other.member, 'active', { key: 'elsewhere' });
    for (const id of [succeededId, failedId]) await waitForRun(t.http, operator.token, id);
    await waitForRun(t.http, other.member.token, elsewhereId);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signIn(token: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${t.http.baseUrl}/ui/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }

  const rowIds = (page: Page) =>
    page
      .locator('tr[data-run-id]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run-id')));

  describe('the operations page at /ui', () => {
    it('signs in with a token, lists the runs the caller may see, and filters them', async () => {
      const page = await signIn(operator.token);
      await page.getByText(`Signed in as ${operator.name}`).waitFor();
      await page.locator(`tr[data-run-id="${succeededId}"]`).waitFor();
      const ids = await rowIds(page);
      expect(ids).toEqual(expect.arrayContaining([succeededId, failedId]));
      expect(ids).not.toContain(elsewhereId);
      // The token is kept in the tab's session storage only.
      expect(await page.evaluate(() => sessionStorage.getItem('tenantops.token'))).toBe(
        operator.token,
      );
      expect(await page.evaluate(() => localStorage.length)).toBe(0);

      await page.getByLabel('Outcome').selectOption('failed');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.locator(`tr[data-run-id="${succeededId}"]`).waitFor({ state: 'detached' });
      expect(await rowIds(page)).toEqual([failedId]);
      await expect(
        page.locator(`tr[data-run-id="${failedId}"] [data-outcome]`).textContent(),
      ).resolves.toBe('failed');

      await page.getByRole('button', { name: 'Clear' }).click();
      await page.getByLabel('Tenant').selectOption({ label: 'Contoso' });
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.locator(`tr[data-run-id="${failedId}"]`).waitFor({ state: 'detached' });
      expect(await rowIds(page)).toEqual([succeededId]);
      await page.close();
    });

    it('loads more on the cursor', async () => {
      const busy = await workspace.member('operator');
      const ids: string[] = [];
      for (let i = 0; i < 27; i++)
        ids.push(await start(contoso, busy, 'request', { key: `many-${i}` }));
      const page = await signIn(busy.token);
      await page.getByLabel('Started by').selectOption('me');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.locator(`tr[data-run-id="${ids[26]}"]`).waitFor();
      await page.locator('tr[data-run-id]').nth(24).waitFor();
      expect(await page.locator('tr[data-run-id]').count()).toBe(25);
      await page.getByRole('button', { name: 'Load more' }).click();
      await page.locator(`tr[data-run-id="${ids[0]}"]`).waitFor();
      expect(await rowIds(page)).toEqual([...ids].reverse());
      expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
      await page.close();
    });

    it('opens a run and shows it finish live', async () => {
      const page = await signIn(operator.token);
      await page.getByText(`Signed in as ${operator.name}`).waitFor();
      // This process's worker takes no job until the page shows the run waiting.
      const queue = t.app.get<Queue>(getQueueToken('probe'), { strict: false });
      await queue.pause(true);
      const runId = await start(contoso, operator, 'active', {
        key: 'watched',
        work: { succeeded: 2, failed: 1, errorMessage: 'Bearer abc.def.ghi leaked' },
      });
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.locator(`tr[data-run-id="${runId}"] a`).click();
      await page.locator('#run-heading').waitFor();
      expect(page.url()).toMatch(new RegExp(`#/runs/${runId}$`));
      await page.locator('.badges [data-status="queued"]').waitFor();
      await page.getByText('Live', { exact: true }).waitFor();
      await queue.resume(true);
      // No reload, no polling: the events stream brings the end.
      await page
        .locator('.badges [data-outcome="partially_succeeded"]')
        .waitFor({ timeout: 30_000 });
      expect(await page.locator('[data-count="succeeded"]').textContent()).toBe('2');
      expect(await page.locator('[data-count="failed"]').textContent()).toBe('1');
      const failures = await page.locator('.failures').textContent();
      expect(failures).toContain('probe.item_failed');
      expect(failures).not.toContain('abc.def.ghi');
      const timeline = await page.locator('.timeline').textContent();
      expect(timeline).toContain('completed (partially succeeded)');
      expect(await page.getByText('Live', { exact: true }).count()).toBe(0);
      await page.getByRole('link', { name: '← All runs' }).click();
      await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
      await page.close();
    });

    it('shows a readonly member none of the runs it may not see', async () => {
      const readonly = await workspace.member('readonly');
      const page = await signIn(readonly.token);
      await page.getByText(`Signed in as ${readonly.name}`).waitFor();
      await page.getByText('No runs match these filters.').waitFor();
      expect(await page.locator('tr[data-run-id]').count()).toBe(0);
      // Nor by its address: the page says what the API says.
      await page.goto(`${t.http.baseUrl}/ui/#/runs/${succeededId}`);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toMatch(
        /requires the inventory\.sync capability/,
      );
      await page.goto(`${t.http.baseUrl}/ui/#/runs/${elsewhereId}`);
      await page.getByText('Operation run was not found.').waitFor();
      await page.close();
    });

    it('tells a bad token apart with a clear message, and works by keyboard', async () => {
      const page = await browser.newPage();
      await page.goto(`${t.http.baseUrl}/ui/`);
      await page.keyboard.press('Tab'); // the skip link
      await page.keyboard.press('Tab');
      expect(await page.locator(':focus').getAttribute('id')).toBe('token');
      await page.keyboard.type('tops_not-a-real-token');
      await page.keyboard.press('Enter');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toBe(
        'That token was refused: it is unknown, expired or revoked. Check it and try again.',
      );
      expect(await page.evaluate(() => sessionStorage.getItem('tenantops.token'))).toBeNull();
      await page.close();
    });

    it('is served with a strict Content-Security-Policy and works offline of any CDN', async () => {
      const bare = await fetch(`${t.http.baseUrl}/ui`, { redirect: 'manual' });
      expect([bare.status, bare.headers.get('location')]).toEqual([301, '/ui/']);
      const response = await fetch(`${t.http.baseUrl}/ui/`);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
      const page = await browser.newPage();
      const outside: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(t.http.baseUrl)) outside.push(request.url());
      });
      const violations: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') violations.push(message.text());
      });
      await page.goto(`${t.http.baseUrl}/ui/`);
      await page.getByLabel('API token').waitFor();
      expect(outside).toEqual([]);
      expect(violations).toEqual([]);
      await page.close();
    });
  });
});
