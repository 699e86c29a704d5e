import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer, errors and 404s included (`@fastify/helmet`): no sniffing,
 * no framing, no referrer, same-origin resource and opener policies, HSTS, and a content security
 * policy that allows only this origin's scripts (the `/docs` UI). `upgrade-insecure-requests` is
 * left out: the API is often reached over plain HTTP behind a TLS-terminating load balancer or on
 * loopback, where it would break the UI's own assets.
 */
export async function applySecurityHeaders(fastify: FastifyInstance): Promise<void> {
  await fastify.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      directives: { 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
