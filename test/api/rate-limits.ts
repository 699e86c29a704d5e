import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from 'node:net';
import { createApp } from '../../src/app.factory.js';
import { HttpClient, type HttpResponse } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Rate limits (per token, per address; shared by API processes through Redis) and security headers. */
describe('rate-limits', () => {
  function expectSecurityHeaders(response: HttpResponse): void {
    const h = response.headers;
    expect({
      nosniff: h.get('x-content-type-options'),
      frame: h.get('x-frame-options'),
      referrer: h.get('referrer-policy'),
      hsts: h.get('strict-transport-security'),
      corp: h.get('cross-origin-resource-policy'),
      csp: h.get('content-security-policy'),
    }).toEqual({
      nosniff: 'nosniff',
      frame: 'DENY',
      referrer: 'no-referrer',
      hsts: expect.stringMatching(/^max-age=\d+/),
      corp: 'same-origin',
      csp: expect.stringContaining("frame-ancestors 'none'"),
    });
    expect(h.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
  }

  function expectLimited(response: HttpResponse): void {
    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(response.body).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      code: 'rate_limit.exceeded',
      requestId: response.headers.get('x-request-id'),
    });
    expectSecurityHeaders(response);
  }

  describe('with low limits, across two API processes', () => {
    let a: TestApp;
    let b: NestFastifyApplication;
    let httpB: HttpClient;
    beforeAll(async () => {
      a = await startTestApp({
        APP_ROLES: 'api',
        RATE_LIMIT_PER_TOKEN: '3',
        RATE_LIMIT_PER_IP: '6',
        RATE_LIMIT_WINDOW_SECONDS: '60',
      });
      // A second API process of the same deployment: same database, same Redis prefix.
      b = await createApp(a.config, { logging: { destination: { write: () => undefined } } });
      await b.listen(0, '127.0.0.1');
      httpB = new HttpClient(
        `http://127.0.0.1:${(b.getHttpServer().address() as { port: number }).port}`,
      );
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('counts a token and an address over both processes, answering 429 with Retry-After', async () => {
      const [first, second] = [await a.world.user(), await a.world.user()];
      // The first token's three requests, spread over both processes, pass; its fourth does not.
      for (const http of [a.http, httpB, a.http]) {
        expect((await http.get('/me', { token: first.token })).status).toBe(200);
      }
      expectLimited(await httpB.get('/me', { token: first.token }));
      // Another token is not limited by the first one's count...
      expect((await a.http.get('/me', { token: second.token })).status).toBe(200);
      expect((await httpB.get('/me', { token: second.token })).status).toBe(200);
      // ... until the address has made its six requests (the refused one counted too).
      expectLimited(await a.http.get('/me', { token: second.token }));
      expectLimited(await httpB.get('/docs-json'));
      expectLimited(await a.http.get('/me', { token: 'tops_made-up' }));
      // Health probes (load balancers) are never limited.
      expect((await a.http.get('/health/live')).status).toBe(200);
      expect((await httpB.get('/health/ready')).status).toBe(200);
    });
  });

  describe('behind a trusted proxy', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        APP_ROLES: 'api',
        HTTP_TRUST_PROXY: '127.0.0.1',
        RATE_LIMIT_PER_TOKEN: '0',
        RATE_LIMIT_PER_IP: '2',
      });
    });
    afterAll(() => t?.close());

    it('limits each client address the proxy names, not the proxy', async () => {
      const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
      expect((await t.http.get('/me', from('203.0.113.1'))).status).toBe(401);
      expect((await t.http.get('/me', from('203.0.113.1'))).status).toBe(401);
      expectLimited(await t.http.get('/me', from('203.0.113.1')));
      expect((await t.http.get('/me', from('203.0.113.2'))).status).toBe(401);
    });
  });

  describe('with the default limits', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ APP_ROLES: 'api' });
    });
    afterAll(() => t?.close());

    it('puts the security headers on every answer: success, errors, unknown routes, the docs', async () => {
      const user = await t.world.user();
      const answers = [
        await t.http.get('/me', { token: user.token }),
        await t.http.get('/me'),
        await t.http.get('/no-such-route'),
        await t.http.post('/workspaces/not-a-uuid/tenants', { token: user.token, rawBody: '{' }),
        await t.http.get('/docs'),
        await t.http.get('/health/live'),
        // Refused by the router before any hook runs: an id longer than any of this API.
        await t.http.get(`/operations/${'a'.repeat(200)}`, { token: user.token }),
      ];
      expect(answers.map((r) => r.status)).toEqual([200, 401, 404, 400, 200, 200, 414]);
      for (const answer of answers) expectSecurityHeaders(answer);
    });

    it('puts them on what Node refuses before Fastify sees it, too: headers too large', async () => {
      const { port } = new URL(t.http.baseUrl);
      const socket = connect(Number(port), '127.0.0.1');
      socket.end(`GET /me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      let raw = '';
      for await (const chunk of socket) raw += String(chunk);
      const [head, body] = raw.split('\r\n\r\n');
      const [status, ...lines] = head!.split('\r\n');
      expect(status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      const headers = new Headers(
        lines.map((line) => line.split(/: (.*)/s, 2) as [string, string]),
      );
      expectSecurityHeaders({ status: 431, headers, body: JSON.parse(body!), text: body! });
    });
  });

  describe('with Redis unreachable', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        APP_ROLES: 'api',
        REDIS_URL: 'redis://127.0.0.1:1',
        RATE_LIMIT_PER_TOKEN: '1',
        RATE_LIMIT_PER_IP: '1',
      });
    });
    afterAll(() => t?.close());

    it('lets requests through (the limits are a guard, not a gate) and says so in the log', async () => {
      const user = await t.world.user();
      for (let i = 0; i < 3; i++) {
        expect((await t.http.get('/me', { token: user.token })).status).toBe(200);
      }
      expect(t.logs.some((line) => line.includes('Rate limits not applied'))).toBe(true);
    });
  });
});
