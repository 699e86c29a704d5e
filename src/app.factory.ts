import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig } from '#libs/common/config';
import { ProblemFilter, RequestValidationPipe } from '#libs/common/errors';
import {
  answerClientError,
  answerFrameworkError,
  applyRateLimits,
  applySecurityHeaders,
} from '#libs/common/http';
import { logRequests, ROOT_LOGGER } from '#libs/common/logging';
import { Metrics } from '#libs/metrics';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { serveOperationsPage } from './operator-ui/index.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's `X-Request-Id` is kept when it is safe to log; otherwise a fresh one is made. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Builds the configured application (not yet listening): the one recipe for main and tests. */
export async function createApp(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: requestId,
    // What Fastify and Node refuse before any route (bad URL, overlong id, oversized headers)
    // is problem+json like every other error.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Behind a load balancer, its X-Forwarded-For names the client (per-address rate limits).
    trustProxy: config.http.trustProxy ?? false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options),
    adapter,
    // Fastify's own JSON parser only: the API speaks JSON, anything else is 415.
    { bufferLogs: true, bodyParser: false, abortOnError: false },
  );
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(new RequestValidationPipe());
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  logRequests(fastify, app.get(ROOT_LOGGER));
  const metrics = app.get(Metrics);
  // Route templates only (`/operations/:id`), never the URL: label values stay a bounded set.
  fastify.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  const pool = (app.get(DataSource).driver as unknown as { master?: Pool }).master;
  metrics.setPoolStateSource(() =>
    pool
      ? {
          inUse: pool.totalCount - pool.idleCount,
          idle: pool.idleCount,
          waiting: pool.waitingCount,
        }
      : null,
  );
  applySecurityHeaders(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  if (config.roles.includes('api')) applyRateLimits(fastify, config, app.get(ROOT_LOGGER));
  app.enableShutdownHooks();

  if (config.roles.includes('api')) {
    // Built on its first request, not at boot: most processes never serve it.
    const document = () =>
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('TenantOps')
          .setDescription('Operation runs for Microsoft Intune / Entra ID tenants.')
          .setVersion('0.1.0')
          .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Personal API token' })
          .build(),
      );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
    await serveOperationsPage(app);
  }
  return app;
}
