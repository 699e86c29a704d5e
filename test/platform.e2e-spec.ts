import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('is live and ready without a token when PostgreSQL and Redis answer', async () => {
    expect((await t.http.get('/health/live')).status).toBe(200);
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({
      postgres: { status: 'up' },
      redis: { status: 'up' },
    });
  });
});

describe('health without Redis', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Nothing listens on port 1: Redis is unreachable, PostgreSQL is fine.
    t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(() => t?.close());

  it('is still live, but not ready (503 problem)', async () => {
    expect((await t.http.get('/health/live')).status).toBe(200);
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('OpenAPI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('serves a valid OpenAPI 3 document at /docs-json listing every route, and a UI at /docs', async () => {
    const response = await t.http.get('/docs-json');
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toMatch(/^3\./);
    await SwaggerParser.validate(structuredClone(document));

    // Every route the server registered (but the document's own) is described, and only those.
    const served = t.routes
      .filter(({ method, url }) => method !== 'HEAD' && !url.startsWith('/docs'))
      .map(({ method, url }) => ({
        path: url.replace(/:(\w+)/g, '{$1}'),
        method: method.toLowerCase(),
      }));
    expect(served.length).toBeGreaterThanOrEqual(8);
    for (const { path, method } of served) {
      expect({ path, method, described: document.paths[path]?.[method] !== undefined }).toEqual({
        path,
        method,
        described: true,
      });
    }
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => ({ path, method })),
    );
    expect(documented).toHaveLength(served.length);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'CreateTenantDto',
        'UpdateTenantDto',
        'TenantDto',
        'AddMemberDto',
        'MeDto',
      ]),
    );
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });

    const ui = await t.http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toMatch(/swagger-ui/i);
  });
});
