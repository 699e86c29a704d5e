import SwaggerParser from '@apidevtools/swagger-parser';
import { BullModule, getQueueToken } from '@nestjs/bull';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bull';
import { Redis } from 'ioredis';
import { parseConfig } from '#libs/common/config';
import { QueueModule } from '#libs/common/redis';
import { AppConfigModule } from '../../src/app-config.module.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TEST_REDIS_URL, testRunId } from '../support/environment.js';
import { freePort, startNode } from '../support/processes.js';
import { startTestApp, testEnvironment, type TestApp } from '../support/test-app.js';

describe('platform', () => {
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

  describe('process roles', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(() => db?.drop());

    it('serves HTTP only in a process with the api role', async () => {
      const port = await freePort();
      const worker = startNode(
        'dist/src/main.js',
        testEnvironment(db.url, { APP_ROLES: 'worker', PORT: String(port) }),
      );
      try {
        await worker.output(/application successfully started/);
        await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
      } finally {
        await worker.stop();
      }

      const api = startNode(
        'dist/src/main.js',
        testEnvironment(db.url, { APP_ROLES: 'api', PORT: String(port) }),
      );
      try {
        await api.output(/application successfully started/);
        expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      } finally {
        await api.stop();
      }
    }, 180_000); // two Nest processes boot, one after the other
  });

  describe('Bull on Redis', () => {
    it('keeps every queue key under the configured prefix', async () => {
      const prefix = `test:${testRunId()}:bull-probe`;
      const config = parseConfig({
        ...testEnvironment('postgres://127.0.0.1/unused'),
        REDIS_PREFIX: prefix,
      });
      const moduleRef = await Test.createTestingModule({
        imports: [
          AppConfigModule.forRoot(config),
          QueueModule,
          BullModule.registerQueue({ name: 'probe' }),
        ],
      }).compile();
      await moduleRef.init();
      try {
        const queue = moduleRef.get<Queue>(getQueueToken('probe'));
        await queue.add({ hello: 'world' }, { jobId: 'job-1' });
        const redis = new Redis(TEST_REDIS_URL);
        try {
          expect(await redis.exists(`${prefix}:probe:job-1`)).toBe(1);
        } finally {
          redis.disconnect();
        }
      } finally {
        await moduleRef.close();
      }
    });
  });
});
