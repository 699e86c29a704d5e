import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimAuth } from './sim-auth.js';
import { SimControl } from './sim-control.js';
import type { SimSizes } from './sim-data.js';
import type { InjectedFault } from './sim-faults.js';
import { SimTokenBucket, type SimThrottle, type SimThrottleStats } from './sim-throttle.js';
import { SimGraph, type GraphSimRequest } from './sim-graph.js';
import {
  graphError,
  json,
  readBody,
  SimRouter,
  writeResponse,
  type SimRequest,
  type SimResponse,
} from './sim-http.js';
import { SimTenant } from './sim-tenant.js';
import { createCertificate } from './sim-tls.js';

export interface GraphSimOptions {
  /** The only client secret that gets a token. */
  clientSecret: string;
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
  /** Sizes every tenant starts with (defaults: a few dozen policies per type, 250 groups). */
  sizes?: SimSizes;
  tokenLifetimeSeconds?: number;
  /** Every tenant's request limit from the start (a token bucket; none by default). */
  throttle?: SimThrottle;
  /** Every tenant's delay before each answer from the start (a fault rate; 0 by default). */
  latencyMs?: number;
}

export interface GraphSim {
  /** `https://127.0.0.1:P`: both GRAPH_BASE_URL and GRAPH_LOGIN_URL. */
  url: string;
  /** PEM of the sim's certificate: GRAPH_CA_CERT. */
  caCert: string;
  /** A generated tenant, by Entra tenant id (in-process access for embedding tests). */
  tenant(id: string): SimTenant;
  /**
   * Graph requests being answered now (after the bucket, during the latency) and the most at once
   * since the last {@link resetLoad}, all tenants together.
   */
  load(): { inFlight: number; maxInFlight: number };
  resetLoad(): void;
  /** Every tenant's throttling so far, summed (also `GET /_sim/throttle`). */
  throttleStats(): SimThrottleStats & { tenants: number; requests: number };
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Starts the simulated Microsoft Graph: HTTPS on loopback with a self-signed certificate, the
 * identity platform's token endpoint, every route of the contract registry over a generated tenant
 * per tenant id, fault injection, and `/_sim` control routes (loopback callers only).
 */
export async function startGraphSim(options: GraphSimOptions): Promise<GraphSim> {
  const certificate = await createCertificate();
  const tenants = new Map<string, SimTenant>();
  const tenant = (id: string) => {
    let found = tenants.get(id);
    if (!found) {
      tenants.set(id, (found = new SimTenant(id, options.sizes)));
      if (options.throttle) found.bucket = new SimTokenBucket(options.throttle);
      if (options.latencyMs) found.faults.rates = { latencyMs: options.latencyMs };
    }
    return found;
  };
  let url = '';
  const auth = new SimAuth(
    () => url,
    {
      clientSecret: options.clientSecret,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    },
    tenant,
  );
  const identity = new SimRouter();
  auth.routes(identity);
  const control = new SimRouter();
  new SimControl(tenant).routes(control);
  const load = { inFlight: 0, maxInFlight: 0 };
  const throttleStats = () => {
    const sum: SimThrottleStats & { tenants: number; requests: number } = {
      tenants: 0,
      requests: 0,
      throttled: 0,
      windows: 0,
      arrivalsInWindows: [],
    };
    for (const one of tenants.values()) {
      sum.tenants++;
      sum.requests += one.graphRequests;
      if (!one.bucket) continue;
      const stats = one.bucket.summary();
      sum.throttled += stats.throttled;
      sum.windows += stats.windows;
      sum.arrivalsInWindows.push(...stats.arrivalsInWindows);
    }
    return sum;
  };
  control.add('GET', '/_sim/throttle', () => json(200, throttleStats()));
  const graph = new SimRouter<GraphSimRequest>();
  new SimGraph().routes(graph);

  async function answerGraph(request: SimRequest): Promise<SimResponse> {
    const claims = auth.verify(request.headers.authorization);
    if (!claims) {
      return graphError(
        request,
        401,
        'InvalidAuthenticationToken',
        'Access token is empty or invalid.',
      );
    }
    const owner = tenant(claims.tid);
    owner.graphRequests++;
    // Graph refuses a throttled request at once, before any work (and before the latency).
    const retryAfter = owner.bucket?.take() ?? null;
    if (retryAfter !== null) {
      const answer = graphError(
        request,
        429,
        'TooManyRequests',
        'Too many requests for this tenant; retry after the time given.',
        { 'retry-after': retryAfter },
      );
      owner.requests.push(record(request, answer));
      return answer;
    }
    owner.maxInFlight = Math.max(owner.maxInFlight, ++owner.inFlight);
    load.maxInFlight = Math.max(load.maxInFlight, ++load.inFlight);
    try {
      const latencyMs = owner.faults.rates.latencyMs ?? 0;
      if (latencyMs > 0) await sleep(latencyMs);
      const answer = await faultOrRoute({
        ...request,
        tenant: owner,
        roles: new Set(claims.roles),
      });
      owner.requests.push(record(request, answer));
      return answer;
    } finally {
      owner.inFlight--;
      load.inFlight--;
    }
  }

  async function faultOrRoute(request: GraphSimRequest): Promise<SimResponse> {
    const path = request.url.pathname + request.url.search;
    const faults = request.tenant.faults;
    const fault = faults.draw(path, request.method, 'before');
    if (fault) return injected(request, fault, 'Injected fault');
    const route = graph.match(request.method, request.url.pathname);
    if (!route) {
      const segment = request.url.pathname.split('/').slice(2).join('/');
      return graphError(
        request,
        400,
        'BadRequest',
        `Resource not found for the segment '${segment}'.`,
      );
    }
    const answer = await route.handler({ ...request, params: route.params });
    if (answer.status >= 400) return answer;
    // A lost answer: Graph acted, the caller hears of a failure.
    const lost = faults.draw(path, request.method, 'after');
    return lost
      ? injected(request, lost, 'Injected fault after the request was carried out')
      : answer;
  }

  async function answer(request: SimRequest): Promise<SimResponse> {
    const { pathname } = request.url;
    if (pathname.startsWith('/_sim/')) {
      if (!LOOPBACK.test(request.remoteAddress)) return json(403, { error: 'loopback only' });
      const route = control.match(request.method, pathname);
      return route ? route.handler({ ...request, params: route.params }) : json(404);
    }
    if (/^\/(v1\.0|beta)\//.test(pathname)) return answerGraph(request);
    const route = identity.match(request.method, pathname);
    if (!route) return json(404, { error: 'not_found' });
    const routed = { ...request, params: route.params };
    const response = await route.handler(routed);
    if (route.params.tenant) tenant(route.params.tenant).requests.push(record(routed, response));
    return response;
  }

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const request: SimRequest = {
      method: incoming.method ?? 'GET',
      url: new URL(incoming.url ?? '/', url),
      headers: incoming.headers,
      body: undefined,
      params: {},
      remoteAddress: incoming.socket.remoteAddress ?? '',
      requestId,
    };
    let response: SimResponse;
    try {
      request.body = await readBody(incoming);
      response = await answer(request);
    } catch (error) {
      response = graphError(
        request,
        400,
        'BadRequest',
        `Unreadable request: ${(error as Error).message}`,
      );
    }
    writeResponse(outgoing, {
      ...response,
      headers: {
        'request-id': requestId,
        'client-request-id': String(incoming.headers['client-request-id'] ?? requestId),
        ...response.headers,
      },
    });
  }

  const server = createServer(
    { key: certificate.key, cert: certificate.cert },
    (incoming, outgoing) => {
      void handle(incoming, outgoing);
    },
  );
  // Graph keeps idle connections open for long. A caller whose event loop was busy for a few
  // seconds (a test embedding the sim while it generates a large tenant) must not have the
  // server reset the pooled connection it is about to reuse (5 s is Node's default).
  server.keepAliveTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    caCert: certificate.caCertPath,
    tenant,
    throttleStats,
    load: () => ({ ...load }),
    resetLoad: () => {
      load.maxInFlight = load.inFlight;
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await certificate.remove();
    },
  };
}

function injected(request: SimRequest, fault: InjectedFault, what: string): SimResponse {
  return graphError(
    request,
    fault.status,
    fault.code,
    `${what}: ${fault.code}.`,
    fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter },
  );
}

function record(request: SimRequest, response: SimResponse) {
  return {
    at: performance.timeOrigin + performance.now(),
    method: request.method,
    path: request.url.pathname + request.url.search,
    status: response.status,
    ...(response.headers?.['retry-after'] ? { retryAfter: response.headers['retry-after'] } : {}),
  };
}
