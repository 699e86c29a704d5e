import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('validation', () => {
  let t: TestApp;
  let workspace: WorkspaceBuilder;
  let owner: TestUser;

  const BODY_LIMIT = 4096;

  beforeAll(async () => {
    t = await startTestApp({ HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    workspace = await t.world.workspace();
    owner = await workspace.member('owner');
  });
  afterAll(() => t?.close());

  const validTenant = () => ({
    displayName: 'Contoso',
    entraTenantId: randomUUID(),
    clientId: randomUUID(),
    clientSecret: 'a-client-secret',
  });

  function expectProblem(
    response: { status: number; headers: Headers; body: any; text: string },
    status: number,
  ) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      type: expect.any(String),
      title: expect.any(String),
      status,
    });
    expect(response.text).not.toMatch(/\bat .+\.(js|ts):\d+/); // no stack frames
  }

  describe('request validation', () => {
    it('refuses unknown fields, naming each', async () => {
      const response = await t.http.post(`/workspaces/${workspace.id}/tenants`, {
        token: owner.token,
        body: { ...validTenant(), isAdmin: true, workspaceId: randomUUID() },
      });
      expectProblem(response, 400);
      expect(response.body.code).toBe('request.invalid');
      expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'isAdmin',
        'workspaceId',
      ]);
    });

    it('refuses wrong types and missing fields, listing every field', async () => {
      const response = await t.http.post(`/workspaces/${workspace.id}/tenants`, {
        token: owner.token,
        body: { displayName: 42, entraTenantId: 'not-a-guid', clientSecret: '' },
      });
      expectProblem(response, 400);
      const fields = Object.fromEntries(
        response.body.errors.map((e: { field: string; messages: string[] }) => [
          e.field,
          e.messages,
        ]),
      );
      expect(Object.keys(fields).sort()).toEqual([
        'clientId',
        'clientSecret',
        'displayName',
        'entraTenantId',
      ]);
      expect(fields.entraTenantId.join()).toMatch(/UUID/);
    });

    it('refuses an unknown role when adding a member', async () => {
      const user = await t.world.user();
      const response = await t.http.post(`/workspaces/${workspace.id}/members`, {
        token: owner.token,
        body: { userId: user.id, role: 'superuser' },
      });
      expectProblem(response, 400);
      expect(response.body.errors).toEqual([
        { field: 'role', messages: [expect.stringMatching(/owner, manager/)] },
      ]);
    });

    it('refuses an empty change', async () => {
      const tenant = await workspace.tenant();
      expectProblem(
        await t.http.patch(`/tenants/${tenant.id}`, { token: owner.token, body: {} }),
        400,
      );
    });

    it('answers malformed JSON with 400', async () => {
      const response = await t.http.post(`/workspaces/${workspace.id}/tenants`, {
        token: owner.token,
        rawBody: '{"displayName": "Contoso",',
      });
      expectProblem(response, 400);
    });

    it.each([
      ['an array', [validTenant()]],
      ['a string', 'Contoso'],
      ['a number', 42],
    ])('refuses a JSON body that is %s, naming the body', async (_, body) => {
      const response = await t.http.post(`/workspaces/${workspace.id}/tenants`, {
        token: owner.token,
        body,
      });
      expectProblem(response, 400);
      expect(response.body.code).toBe('request.invalid');
      expect(response.body.errors).toEqual([
        { field: 'body', messages: ['The request body must be a JSON object.'] },
      ]);
    });

    it('refuses text holding a NUL character, naming the field', async () => {
      const response = await t.http.post(`/workspaces/${workspace.id}/tenants`, {
        token: owner.token,
        body: { ...validTenant(), displayName: 'Con\u0000toso' },
      });
      expectProblem(response, 400);
      expect(response.body.errors).toEqual([
        { field: 'displayName', messages: ['displayName must not contain NUL characters.'] },
      ]);
    });

    it('answers a body over the limit with 413', async () => {
      const response = await t.http.post(`/workspaces/${workspace.id}/tenants`, {
        token: owner.token,
        body: { ...validTenant(), displayName: 'x'.repeat(BODY_LIMIT * 2) },
      });
      expectProblem(response, 413);
    });

    it('answers a body that is not JSON with 415', async () => {
      const response = await t.http.post(`/workspaces/${workspace.id}/tenants`, {
        token: owner.token,
        rawBody: 'displayName: Contoso',
        headers: { 'content-type': 'text/plain' },
      });
      expectProblem(response, 415);
    });

    it('answers an unknown route with a problem, too', async () => {
      expectProblem(await t.http.get('/no-such-route', { token: owner.token }), 404);
    });

    it('refuses a second tenant for the same Entra tenant with 409, and changes nothing', async () => {
      const body = validTenant();
      const path = `/workspaces/${workspace.id}/tenants`;
      expect((await t.http.post(path, { token: owner.token, body })).status).toBe(201);
      const duplicate = await t.http.post(path, {
        token: owner.token,
        body: { ...body, displayName: 'Again' },
      });
      expectProblem(duplicate, 409);
      expect(duplicate.body.code).toBe('tenancy.tenant_exists');
      const rows = await t.db.query('SELECT 1 FROM tenants WHERE entra_tenant_id = $1', [
        body.entraTenantId,
      ]);
      expect(rows).toHaveLength(1);
    });
  });

  describe('unexpected errors', () => {
    it('answer 500 with no stack and the request id, and log the error with it', async () => {
      // Break the database under the app: the next query fails in a way no handler expects.
      await t.db.query('ALTER TABLE tenants RENAME TO tenants_moved');
      try {
        const response = await t.http.get(`/workspaces/${workspace.id}/tenants`, {
          token: owner.token,
          headers: { 'x-request-id': 'req-500-check' },
        });
        expectProblem(response, 500);
        expect(response.body).toEqual({
          type: 'about:blank',
          title: 'Internal Server Error',
          status: 500,
          detail: 'An unexpected error occurred.',
          requestId: 'req-500-check',
        });
        expect(response.text).not.toMatch(/tenants|relation|QueryFailedError/);
        const logged = t.logs.filter(
          (line) => line.includes('req-500-check') && line.includes('"level":50'),
        );
        expect(logged.length).toBeGreaterThan(0);
      } finally {
        await t.db.query('ALTER TABLE tenants_moved RENAME TO tenants');
      }
    });
  });
});
