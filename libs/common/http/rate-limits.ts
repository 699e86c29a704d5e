import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppConfig } from '#libs/common/config';
import { PROBLEM_CONTENT_TYPE, problemTitle, problemType } from '#libs/common/errors';
import { connectRedis, queueKeyPrefix } from '#libs/common/redis';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** Redis unreachable is logged at most this often: under load it would be every request. */
const WARN_EVERY_MS = 10_000;
/** How long the first requests of an API process wait for Redis before they pass uncounted. */
const READY_WAIT_MS = 3000;

function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

/**
 * Per-token and per-address request limits over a fixed window, counted in Redis so that every
 * API process of a deployment shares them (`rate-limiter-flexible`). A request over either limit
 * is answered `429` problem+json with `Retry-After` before anything else is done for it. Tokens
 * are counted by their SHA-256 (the token itself never reaches Redis), valid or not: a flood of
 * made-up tokens still counts against its address. Health probes are never limited. Should Redis
 * not answer, requests pass (the limits are a guard, not a gate) and a warning is logged.
 */
export function applyRateLimits(fastify: FastifyInstance, config: AppConfig, logger: Logger): void {
  const { windowSeconds, perToken, perIp } = config.http.rateLimit;
  if (perToken === 0 && perIp === 0) return;
  // A Redis Cluster too (REDIS_CLUSTER_NODES): each counter is one key, in any slot.
  const redis = connectRedis(config.redis, {
    // Fail at once while Redis is away rather than queue the request behind it.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  redis.on('error', () => undefined); // reported by the requests that could not be counted
  const limiter = (name: string, points: number) =>
    new RateLimiterRedis({
      storeClient: redis,
      rejectIfRedisNotReady: true,
      // Under the deployment's prefix, hash-tagged on a cluster as Bull's keys are.
      keyPrefix: `${queueKeyPrefix(config.redis)}:rate-limit:${name}`,
      points,
      duration: windowSeconds,
      // Once over, a key is refused from memory for the rest of its window: a client that keeps
      // hammering costs no Redis call.
      inMemoryBlockOnConsumed: points,
      inMemoryBlockDuration: windowSeconds,
    });
  const byToken = perToken > 0 ? limiter('token', perToken) : undefined;
  const byIp = perIp > 0 ? limiter('ip', perIp) : undefined;
  let warnedAt = 0;
  // The first requests are counted too: until Redis has answered once (or had its chance since
  // the process started), a request waits for it. Listening is not held up for it.
  let connected = false;
  const firstConnection = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, READY_WAIT_MS);
    timer.unref();
    redis.once('ready', () => {
      connected = true;
      clearTimeout(timer);
      resolve();
    });
  });

  fastify.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/health/')) return;
    if (!connected) await firstConnection;
    const token = byToken && tokenOf(request);
    const counted = await Promise.allSettled([
      byIp?.consume(request.ip),
      token ? byToken.consume(createHash('sha256').update(token).digest('hex')) : undefined,
    ]);
    let waitMs = 0;
    for (const result of counted) {
      if (result.status === 'fulfilled') continue;
      if (result.reason instanceof RateLimiterRes) {
        waitMs = Math.max(waitMs, result.reason.msBeforeNext);
      } else if (Date.now() - warnedAt > WARN_EVERY_MS) {
        warnedAt = Date.now();
        logger.warn({ err: result.reason }, 'Rate limits not applied: Redis did not answer');
      }
    }
    if (waitMs === 0) return;
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    await reply
      .code(429)
      .header('retry-after', String(retryAfter))
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({
        type: problemType('rate_limit.exceeded'),
        title: problemTitle(429),
        status: 429,
        detail: `Too many requests; try again in ${retryAfter} s.`,
        code: 'rate_limit.exceeded',
        requestId: String(request.id),
      });
    return reply;
  });
  fastify.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
}
