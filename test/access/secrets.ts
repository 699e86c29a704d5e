import { randomUUID } from 'node:crypto';
import { TenantsService } from '#libs/tenancy';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('secrets', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Trace level: every line the app can write is written, so none may leak.
    t = await startTestApp({ LOG_LEVEL: 'trace' });
  });
  afterAll(() => t?.close());

  describe('the provider client secret', () => {
    it('never appears in a response, a log line or the audit log, yet decrypts for Graph', async () => {
      const workspace = await t.world.workspace();
      const owner = await workspace.member('owner');
      const secret = `first-${randomUUID()}`;
      const rotated = `rotated-${randomUUID()}`;
      const responses: string[] = [];
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await t.http.request(method, path, { token: owner.token, body });
        responses.push(response.text, JSON.stringify([...response.headers]));
        return response;
      };

      const created = await call('POST', `/workspaces/${workspace.id}/tenants`, {
        displayName: 'Contoso',
        entraTenantId: randomUUID(),
        clientId: randomUUID(),
        clientSecret: secret,
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`/tenants/${created.body.id}`);
      expect(created.body).not.toHaveProperty('clientSecret');
      expect(created.body.hasProviderConnection).toBe(true);
      const tenantId: string = created.body.id;

      // A refused request that carries the secret echoes no value back.
      const refused = await call('POST', `/workspaces/${workspace.id}/tenants`, {
        displayName: 'Bad',
        entraTenantId: 'nope',
        clientId: randomUUID(),
        clientSecret: secret,
        unexpected: secret,
      });
      expect(refused.status).toBe(400);

      expect((await call('PATCH', `/tenants/${tenantId}`, { clientSecret: rotated })).status).toBe(
        200,
      );
      expect((await call('GET', `/tenants/${tenantId}`)).status).toBe(200);
      expect((await call('GET', `/workspaces/${workspace.id}/tenants`)).status).toBe(200);

      for (const value of [secret, rotated]) {
        for (const text of responses) expect(text).not.toContain(value);
        for (const line of t.logs) expect(line).not.toContain(value);
      }
      const audit = JSON.stringify(
        await t.db.query('SELECT * FROM audit_log WHERE tenant_id = $1', [tenantId]),
      );
      expect(audit).toContain('tenant.update');
      expect(audit).not.toContain(secret);
      expect(audit).not.toContain(rotated);

      const [row] = await t.db.query<{ client_secret_encrypted: Buffer }>(
        'SELECT client_secret_encrypted FROM tenants WHERE id = $1',
        [tenantId],
      );
      expect(row!.client_secret_encrypted.includes(Buffer.from(rotated))).toBe(false);
      expect((await t.app.get(TenantsService).providerCredentials(tenantId)).clientSecret).toBe(
        rotated,
      );
    });

    it('is bound to its tenant: ciphertext copied to another tenant does not decrypt', async () => {
      const workspace = await t.world.workspace();
      const a = await workspace.tenant({ clientSecret: 'secret-a' });
      const b = await workspace.tenant({ clientSecret: 'secret-b' });
      await t.db.query(
        'UPDATE tenants SET client_secret_encrypted = (SELECT client_secret_encrypted FROM tenants WHERE id = $1) WHERE id = $2',
        [a.id, b.id],
      );
      await expect(t.app.get(TenantsService).providerCredentials(b.id)).rejects.toThrow();
      expect((await t.app.get(TenantsService).providerCredentials(a.id)).clientSecret).toBe(
        'secret-a',
      );
    });

    it('never logs a bearer token, and every request line carries a request id', async () => {
      const user = await t.world.user();
      await t.http.get('/me', { token: user.token, headers: { 'x-request-id': 'trace-me' } });
      await t.http.get('/me', { headers: { authorization: `Bearer ${user.token}x` } });
      for (const line of t.logs) expect(line).not.toContain(user.token);
      const requestLines = t.logs.filter((line) => line.includes('"req":'));
      expect(requestLines.length).toBeGreaterThan(0);
      for (const line of requestLines) expect(JSON.parse(line).req.id).toEqual(expect.any(String));
      expect(requestLines.some((line) => JSON.parse(line).req.id === 'trace-me')).toBe(true);
    });
  });
});
