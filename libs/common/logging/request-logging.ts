import type { FastifyInstance } from 'fastify';
import type { Logger, Level } from 'pino';

function levelFor(statusCode: number): Level {
  return statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
}

/**
 * One line per answered request — `{ req: { id, method, url }, res: { statusCode },
 * responseTime }` — at `error` for 5xx, `warn` for 4xx, `info` otherwise; health probes are not
 * logged. Nothing is built for a line below the configured level.
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const level = levelFor(reply.statusCode);
    if (logger.isLevelEnabled(level) && !request.url.startsWith('/health')) {
      logger[level](
        {
          req: { id: request.id, method: request.method, url: request.url },
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
    }
    done();
  });
}
