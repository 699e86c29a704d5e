import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { graphResourceLabel, Metrics } from '#libs/metrics';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { GraphError, graphErrorFor, GraphUnavailableError } from './graph.errors.js';
import { backoffMs, isRetryableStatus, retryAfterMs } from './retry-policy.js';
import { TenantBackoff } from './tenant-backoff.js';

/** One Graph request, built by the client from a contract. */
export interface GraphCall {
  tenantId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  body?: unknown;
  /** May be sent again after a failure Graph might have acted on (reads, assign); a create not. */
  idempotent: boolean;
  /** A bearer token, asked for before every attempt (a long back-off may outlive one). */
  token: () => Promise<string>;
}

type Attempt =
  | { ok: true; body: unknown }
  | { ok: false; error: GraphError; retryable: boolean; retryAfterMs?: number };

interface GraphErrorBody {
  error?: {
    code?: string;
    message?: string;
    innerError?: { 'request-id'?: string; 'client-request-id'?: string };
  };
}

const header = (headers: Dispatcher.ResponseData['headers'], name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Graph over HTTPS on undici: one keep-alive connection pool per process, trusting the public
 * roots plus `GRAPH_CA_CERT` (never switching certificate checks off). Retries 429/503/504 as
 * Graph asks (`Retry-After`) or with jittered exponential back-off, within `GRAPH_MAX_ATTEMPTS`
 * and `GRAPH_MAX_RETRY_WAIT_SECONDS`, and keeps each tenant within its concurrency limit and the
 * process within its own. A `429` with `Retry-After` holds back every request of that tenant in
 * this process until it has passed ({@link TenantBackoff}), not only the one that was refused.
 */
@Injectable()
export class GraphHttp implements OnApplicationShutdown {
  private readonly logger = new Logger(GraphHttp.name);
  /** Shared with MSAL's network client, so tokens and calls trust the same roots. */
  readonly dispatcher: Agent;
  private readonly limiter: ConcurrencyLimiter;
  /** All tenants together: one lane, keyed ''. */
  private readonly processLimiter: ConcurrencyLimiter;
  private readonly backoff = new TenantBackoff();
  private readonly timeoutMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Optional: tests build a GraphHttp of their own, with nothing to count into.
    @Optional() private readonly metrics?: Metrics,
  ) {
    const { caCertPath, concurrencyPerTenant, concurrencyPerProcess, timeoutSeconds } =
      config.graph;
    this.timeoutMs = timeoutSeconds * 1000;
    this.dispatcher = new Agent({
      // One secure context for every connection: given `ca` alone, each TLS handshake would
      // parse the ~150 public roots again (milliseconds of CPU per connection).
      connect: caCertPath
        ? {
            secureContext: createSecureContext({
              ca: [...rootCertificates, readFileSync(caCertPath, 'utf8')],
            }),
          }
        : undefined,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    this.limiter = new ConcurrencyLimiter(concurrencyPerTenant);
    // Older configurations (tests building an AppConfig by hand) may not name it: no process cap.
    this.processLimiter = new ConcurrencyLimiter(concurrencyPerProcess ?? Infinity);
  }

  /**
   * Not at `onModuleDestroy`: that comes before a stopping worker drains its runs
   * (`beforeApplicationShutdown`), whose Graph requests then failed ("The client is destroyed").
   */
  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
  }

  async send<T>(call: GraphCall): Promise<T> {
    const { maxAttempts, maxRetryWaitSeconds, retryBaseMs } = this.config.graph;
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      const token = await call.token();
      const outcome = await this.limiter.run(call.tenantId, () => this.whenClear(call, token));
      if (outcome.ok) return outcome.body as T;
      const delayMs = outcome.retryAfterMs ?? backoffMs(attempt, retryBaseMs);
      const { error } = outcome;
      if (outcome.retryAfterMs !== undefined && error.status === 429) {
        // Graph's word for the tenant: every request of it in this process waits, not only this one.
        this.backoff.hold(call.tenantId, outcome.retryAfterMs);
      }
      if (
        !outcome.retryable ||
        attempt >= maxAttempts ||
        waitedMs + delayMs > maxRetryWaitSeconds * 1000
      ) {
        throw error;
      }
      this.logger.warn(
        {
          tenantId: call.tenantId,
          status: error.status,
          requestId: error.requestId,
          attempt,
          delayMs,
        },
        'Graph request failed; retrying',
      );
      this.metrics?.graphRetryWait.inc({ resource: graphResourceLabel(call.url) }, delayMs / 1000);
      // A held tenant's wait is taken in whenClear (with the tenant's other requests).
      if (error.status !== 429 || outcome.retryAfterMs === undefined) await sleep(delayMs);
      waitedMs += delayMs;
    }
  }

  /**
   * One attempt, in the tenant's slot: first any back-off Graph asked of the tenant, then a slot
   * of the process. A 429 that arrives while this one waits for the process slot holds it too.
   */
  private async whenClear(call: GraphCall, token: string): Promise<Attempt> {
    for (;;) {
      const wait = this.backoff.remaining(call.tenantId);
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      const outcome = await this.processLimiter.run('', async () =>
        this.backoff.remaining(call.tenantId) > 0 ? null : this.attempt(call, token),
      );
      if (outcome) return outcome;
    }
  }

  private async attempt(call: GraphCall, token: string): Promise<Attempt> {
    const clientRequestId = randomUUID();
    const path = new URL(call.url).pathname;
    const resource = graphResourceLabel(call.url);
    let status: number;
    let headers: Dispatcher.ResponseData['headers'];
    let text: string;
    try {
      const response = await request(call.url, {
        dispatcher: this.dispatcher,
        method: call.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          'client-request-id': clientRequestId,
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
      });
      ({ statusCode: status, headers } = response);
      text = await response.body.text();
    } catch (cause) {
      // Nothing (or not all) came back: the request may or may not have reached Graph.
      this.metrics?.graphRequests.inc({ method: call.method, resource, status: '0' });
      return {
        ok: false,
        retryable: call.idempotent,
        error: new GraphUnavailableError(
          `Graph ${call.method} ${path} failed: ${(cause as Error).message}`,
          { clientRequestId },
        ),
      };
    }
    this.metrics?.graphRequests.inc({ method: call.method, resource, status: String(status) });
    if (status === 429) this.metrics?.graphThrottles.inc({ resource });
    if (status >= 200 && status < 300) return { ok: true, body: text ? JSON.parse(text) : {} };

    const detail = parseErrorBody(text).error ?? {};
    const error = graphErrorFor(
      status,
      `Graph ${call.method} ${path} answered ${status}` +
        (detail.code ? ` ${detail.code}` : '') +
        (detail.message ? `: ${detail.message}` : ''),
      {
        graphCode: detail.code,
        requestId: header(headers, 'request-id') ?? detail.innerError?.['request-id'],
        clientRequestId: header(headers, 'client-request-id') ?? clientRequestId,
      },
    );
    return {
      ok: false,
      error,
      retryable: isRetryableStatus(status, call.idempotent),
      retryAfterMs: retryAfterMs(header(headers, 'retry-after')),
    };
  }
}

function parseErrorBody(text: string): GraphErrorBody {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null ? (body as GraphErrorBody) : {};
  } catch {
    return {};
  }
}
