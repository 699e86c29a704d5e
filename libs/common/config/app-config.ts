import { accessSync, constants } from 'node:fs';
import { z } from 'zod';

export const APP_ROLES = ['api', 'worker', 'scheduler'] as const;
export type AppRole = (typeof APP_ROLES)[number];

const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL` },
  );

const readableFile = z.string().refine(
  (path) => {
    try {
      accessSync(path, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must name a readable file' },
);

const envSchema = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('production'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: integer(10, 1, 200),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits, ":", "_" or "-" (at most 64)')
    .default('tenantops'),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((value) => value.split(',').map((node) => node.trim()))
    .pipe(
      z
        .array(
          z
            .string()
            .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "a comma list of host:port (the cluster's nodes)"),
        )
        .min(1),
    )
    .optional(),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: integer(3000, 0, 65535),
  APP_ROLES: z
    .string()
    .default(APP_ROLES.join(','))
    .transform((value) => [...new Set(value.split(',').map((role) => role.trim()))])
    .pipe(z.array(z.enum(APP_ROLES)).min(1)),
  SECRETS_KEY: z.string().min(32, 'must be at least 32 characters'),
  SECRETS_KEY_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
  GRAPH_BASE_URL: url(['https:']).default('https://graph.microsoft.com'),
  GRAPH_LOGIN_URL: url(['https:']).default('https://login.microsoftonline.com'),
  GRAPH_CA_CERT: readableFile.optional(),
  GRAPH_MAX_ATTEMPTS: integer(5, 1, 20),
  GRAPH_MAX_RETRY_WAIT_SECONDS: integer(120, 0, 3600),
  GRAPH_RETRY_BASE_MS: integer(1000, 1, 60_000),
  GRAPH_TIMEOUT_SECONDS: integer(60, 1, 600),
  GRAPH_CONCURRENCY_PER_TENANT: integer(4, 1, 64),
  GRAPH_CONCURRENCY_PER_PROCESS: integer(256, 1, 4096),
  RUN_STALE_QUEUED_MINUTES: integer(15, 1, 7 * 24 * 60),
  RUN_LOST_MINUTES: integer(10, 1, 7 * 24 * 60),
  RUN_QUEUED_GRACE_SECONDS: integer(60, 1, 24 * 60 * 60),
  RUN_RETENTION_DAYS: integer(90, 1, 3650),
  RUN_HEARTBEAT_SECONDS: integer(15, 1, 600),
  WORKER_CONCURRENCY: integer(64, 1, 1024),
  AUTH_CACHE_SECONDS: integer(5, 0, 300),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_BODY_LIMIT_BYTES: integer(1024 * 1024, 1024, 64 * 1024 * 1024),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_PORT: integer(9464, 0, 65535),
  EVENTS_HEARTBEAT_SECONDS: integer(15, 1, 300),
  HTTP_TRUST_PROXY: z
    .string()
    .regex(
      /^[0-9A-Fa-f.:/]+(,\s*[0-9A-Fa-f.:/]+)*$/,
      'a comma list of proxy addresses or CIDR ranges',
    )
    .optional(),
  RATE_LIMIT_WINDOW_SECONDS: integer(60, 1, 3600),
  RATE_LIMIT_PER_TOKEN: integer(600_000, 0, 100_000_000),
  RATE_LIMIT_PER_IP: integer(1_200_000, 0, 100_000_000),
});

/** The one typed configuration of a TenantOps process, validated once at boot. */
export interface AppConfig {
  env: 'production' | 'development' | 'test';
  database: { url: string; poolSize: number };
  redis: {
    url: string;
    prefix: string;
    /**
     * Startup nodes of a Redis Cluster (then `url` is not used), or null for one Redis server.
     * In a cluster, Bull's keys are hash-tagged by the prefix (`{prefix}:queue:…`), so each
     * queue's keys share one slot, as its Lua scripts need.
     */
    clusterNodes: { host: string; port: number }[] | null;
  };
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** Proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client; none: no proxy. */
    trustProxy: string | undefined;
    /** Requests allowed per window, per API token and per client address (0: no limit). */
    rateLimit: { windowSeconds: number; perToken: number; perIp: number };
  };
  roles: readonly AppRole[];
  secretsKey: string;
  /** The key being rotated away from: still decrypts, never encrypts (see `secrets:rotate`). */
  previousSecretsKey: string | undefined;
  graph: {
    baseUrl: string;
    loginUrl: string;
    caCertPath: string | undefined;
    /** Tries of one request, the first included (429/503/504 and network failures are retried). */
    maxAttempts: number;
    /** The most one request may wait between its tries, in total. */
    maxRetryWaitSeconds: number;
    /** Base of the exponential back-off when Graph sends no Retry-After. */
    retryBaseMs: number;
    timeoutSeconds: number;
    /** Requests in flight at once to one tenant, in this process. */
    concurrencyPerTenant: number;
    /** Requests in flight at once in this process, all tenants together. */
    concurrencyPerProcess: number;
  };
  runs: {
    staleQueuedMinutes: number;
    lostMinutes: number;
    /**
     * How long a queued run may have no job before a start of its identity takes its place
     * (the process that created it may still be queueing it).
     */
    queuedGraceSeconds: number;
    retentionDays: number;
    heartbeatSeconds: number;
  };
  /** Runs a worker process executes at once, all queues together. */
  worker: { concurrency: number };
  /** How long a process may reuse a token's holder and a record's scope (0: never). */
  authCacheSeconds: number;
  logLevel: string;
  /** Where `GET /metrics` listens (never the API's port). */
  metrics: { host: string; port: number };
  /** Run event streams: how often a comment keeps an idle stream open through proxies. */
  events: { heartbeatSeconds: number };
}

/** Injection token for the {@link AppConfig} object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        issues.map((issue) => `  ${issue.variable}: ${issue.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses environment variables into an {@link AppConfig}. Every bad or missing variable is
 * reported by name in one {@link ConfigError}; values are never echoed (they may be secrets).
 */
export function parseConfig(env: Record<string, string | undefined>): AppConfig {
  const blankAsMissing = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(blankAsMissing);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        message:
          issue.code === 'invalid_type' && issue.input === undefined
            ? 'is required'
            : issue.message,
      })),
    );
  }
  const e = parsed.data;
  if (e.SECRETS_KEY_PREVIOUS !== undefined && e.SECRETS_KEY_PREVIOUS === e.SECRETS_KEY) {
    throw new ConfigError([
      { variable: 'SECRETS_KEY_PREVIOUS', message: 'must differ from SECRETS_KEY' },
    ]);
  }
  if (e.RUN_HEARTBEAT_SECONDS * 3 > e.RUN_LOST_MINUTES * 60) {
    throw new ConfigError([
      {
        variable: 'RUN_HEARTBEAT_SECONDS',
        message: 'must leave three heartbeats within RUN_LOST_MINUTES',
      },
    ]);
  }
  return Object.freeze({
    env: e.NODE_ENV,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    redis: {
      url: e.REDIS_URL,
      prefix: e.REDIS_PREFIX,
      clusterNodes:
        e.REDIS_CLUSTER_NODES?.map((node) => {
          const at = node.lastIndexOf(':');
          return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
        }) ?? null,
    },
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES,
      trustProxy: e.HTTP_TRUST_PROXY,
      rateLimit: {
        windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
        perToken: e.RATE_LIMIT_PER_TOKEN,
        perIp: e.RATE_LIMIT_PER_IP,
      },
    },
    roles: e.APP_ROLES,
    secretsKey: e.SECRETS_KEY,
    previousSecretsKey: e.SECRETS_KEY_PREVIOUS,
    graph: {
      baseUrl: e.GRAPH_BASE_URL,
      loginUrl: e.GRAPH_LOGIN_URL,
      caCertPath: e.GRAPH_CA_CERT,
      maxAttempts: e.GRAPH_MAX_ATTEMPTS,
      maxRetryWaitSeconds: e.GRAPH_MAX_RETRY_WAIT_SECONDS,
      retryBaseMs: e.GRAPH_RETRY_BASE_MS,
      timeoutSeconds: e.GRAPH_TIMEOUT_SECONDS,
      concurrencyPerTenant: e.GRAPH_CONCURRENCY_PER_TENANT,
      concurrencyPerProcess: e.GRAPH_CONCURRENCY_PER_PROCESS,
    },
    runs: {
      staleQueuedMinutes: e.RUN_STALE_QUEUED_MINUTES,
      lostMinutes: e.RUN_LOST_MINUTES,
      queuedGraceSeconds: e.RUN_QUEUED_GRACE_SECONDS,
      retentionDays: e.RUN_RETENTION_DAYS,
      heartbeatSeconds: e.RUN_HEARTBEAT_SECONDS,
    },
    worker: { concurrency: e.WORKER_CONCURRENCY },
    authCacheSeconds: e.AUTH_CACHE_SECONDS,
    logLevel: e.LOG_LEVEL,
    metrics: { host: e.METRICS_HOST, port: e.METRICS_PORT },
    events: { heartbeatSeconds: e.EVENTS_HEARTBEAT_SECONDS },
  });
}
