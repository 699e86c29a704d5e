import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { SimTenant } from './sim-tenant.js';

/** A request as the simulated Graph's handlers see it: body parsed, path parameters matched. */
export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** JSON or form fields; undefined for an empty body. */
  body: unknown;
  params: Record<string, string>;
  remoteAddress: string;
  /** Graph's `request-id` for this request (also sent as a header). */
  requestId: string;
}

/** A Graph request, authenticated: the bearer token named the tenant. */
export interface GraphSimRequest extends SimRequest {
  tenant: SimTenant;
  /** The `roles` of the caller's token: the application permissions it carries. */
  roles: ReadonlySet<string>;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type SimHandler<R extends SimRequest = SimRequest> = (
  request: R,
) => SimResponse | Promise<SimResponse>;

interface Route<R extends SimRequest> {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: SimHandler<R>;
}

/** A few lines of routing: `/v1.0/groups/:id` patterns, first match wins. */
export class SimRouter<R extends SimRequest = SimRequest> {
  private readonly routes: Route<R>[] = [];

  add(method: string, path: string, handler: SimHandler<R>): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((part) => {
        if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(part.slice(1));
        return '([^/]+)';
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  match(
    method: string,
    pathname: string,
  ): { handler: SimHandler<R>; params: Record<string, string> } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      const params = Object.fromEntries(
        route.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]),
      );
      return { handler: route.handler, params };
    }
    return null;
  }
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('Request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  if ((request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return JSON.parse(text) as unknown;
}

export function writeResponse(response: ServerResponse, answer: SimResponse): void {
  const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    ...(body ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': Buffer.byteLength(body),
    ...answer.headers,
  });
  response.end(body);
}

export const json = (
  status: number,
  body?: unknown,
  headers?: Record<string, string>,
): SimResponse => ({
  status,
  body,
  headers,
});

/** An error as Graph writes it: `{ error: { code, message, innerError } }`. */
export function graphError(
  request: Pick<SimRequest, 'requestId' | 'headers'>,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): SimResponse {
  const clientRequestId = String(request.headers['client-request-id'] ?? request.requestId);
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ''),
          'request-id': request.requestId,
          'client-request-id': clientRequestId,
        },
      },
    },
    headers,
  );
}

/** Graph's 404 for an object the tenant does not have. */
export function notFound(request: SimRequest, what: string, id = request.params.id): SimResponse {
  return graphError(
    request,
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist in ${what}.`,
  );
}
