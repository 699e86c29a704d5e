import { GRAPH_CONTRACTS, type GraphResource } from '#libs/graph';
import type { SimSizes } from './sim-data.js';
import type { ScheduledFault, SimFaultRates } from './sim-faults.js';
import { SimTokenBucket, type SimThrottle } from './sim-throttle.js';
import { json, type SimRequest, type SimResponse, type SimRouter } from './sim-http.js';
import type { SimTenant } from './sim-tenant.js';

type TenantHandler = (tenant: SimTenant, request: SimRequest) => SimResponse;

const bodyOf = <T>(request: SimRequest) => (request.body ?? {}) as T;

/**
 * `/_sim/tenants/{tenant}/...`: how tests (and a person at the demo) shape a tenant — sizes,
 * faults, objects added, edited or deleted between syncs, expired delta links — and read the
 * requests it received. The server lets only loopback callers in.
 */
export class SimControl {
  constructor(private readonly tenant: (id: string) => SimTenant) {}

  routes(router: SimRouter): void {
    const on = (method: string, path: string, handler: TenantHandler) =>
      router.add(method, `/_sim/tenants/:tenant${path}`, (request) =>
        handler(this.tenant(request.params.tenant), request),
      );

    on('GET', '', (tenant) => json(200, summary(tenant)));
    on('PUT', '/sizes', (tenant, r) => {
      tenant.regenerate(bodyOf<SimSizes>(r));
      return json(200, summary(tenant));
    });
    on('PUT', '/faults', (tenant, r) => {
      tenant.faults.rates = bodyOf<SimFaultRates>(r);
      return json(204);
    });
    on('POST', '/faults/schedule', (tenant, r) => {
      const fault = bodyOf<ScheduledFault>(r);
      if (!Number.isInteger(fault.status) || !Number.isInteger(fault.count)) {
        return json(400, { error: 'status and count must be integers' });
      }
      if (fault.afterWrite !== undefined && typeof fault.afterWrite !== 'boolean') {
        return json(400, { error: 'afterWrite must be a boolean' });
      }
      if (fault.method !== undefined && typeof fault.method !== 'string') {
        return json(400, { error: 'method must be an HTTP method' });
      }
      tenant.faults.add(fault);
      return json(204);
    });
    on('PUT', '/throttle', (tenant, r) => {
      const limit = bodyOf<Partial<SimThrottle> | null>(r);
      if (limit === null || (limit.requests === undefined && limit.windowSeconds === undefined)) {
        tenant.bucket = null;
        return json(204);
      }
      if (!(Number.isInteger(limit.requests) && limit.requests! >= 1)) {
        return json(400, { error: 'requests must be an integer ≥ 1' });
      }
      if (!(typeof limit.windowSeconds === 'number' && limit.windowSeconds > 0)) {
        return json(400, { error: 'windowSeconds must be a number > 0' });
      }
      tenant.bucket = new SimTokenBucket({
        requests: limit.requests!,
        windowSeconds: limit.windowSeconds,
      });
      return json(204);
    });
    on('GET', '/throttle', (tenant) =>
      json(200, tenant.bucket ? { limit: tenant.bucket.limit, ...tenant.bucket.summary() } : {}),
    );
    on('DELETE', '/faults', (tenant) => {
      tenant.faults.clear();
      return json(204);
    });
    on('GET', '/permissions', (tenant) =>
      json(200, { permissions: tenant.permissions ? [...tenant.permissions].sort() : null }),
    );
    on('PUT', '/permissions', (tenant, r) => {
      const { permissions } = bodyOf<{ permissions?: unknown }>(r);
      if (
        permissions !== null &&
        !(Array.isArray(permissions) && permissions.every((p) => typeof p === 'string'))
      ) {
        return json(400, { error: 'permissions must be a list of permission names, or null' });
      }
      tenant.permissions = permissions === null ? null : new Set(permissions as string[]);
      return json(204);
    });
    on('PUT', '/app', (tenant, r) => {
      const app = bodyOf<{ knownClientIds?: unknown; secretExpired?: unknown }>(r);
      const ids = app.knownClientIds ?? null;
      if (ids !== null && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))) {
        return json(400, { error: 'knownClientIds must be a list of client ids, or null' });
      }
      if (app.secretExpired !== undefined && typeof app.secretExpired !== 'boolean') {
        return json(400, { error: 'secretExpired must be a boolean' });
      }
      tenant.app = {
        knownClientIds: ids as string[] | null,
        secretExpired: app.secretExpired ?? false,
      };
      return json(204);
    });
    on('POST', '/delta/expire', (tenant) => {
      tenant.expireDelta();
      return json(204);
    });
    on('GET', '/requests', (tenant) =>
      json(200, {
        total: tenant.requests.length,
        maxInFlight: tenant.maxInFlight,
        requests: tenant.requests,
      }),
    );
    on('DELETE', '/requests', (tenant) => {
      tenant.requests.length = 0;
      tenant.maxInFlight = 0;
      return json(204);
    });
    on('POST', '/items/:resource', (tenant, r) =>
      withResource(r, (resource) => json(201, tenant.add(resource, bodyOf(r)))),
    );
    on('PATCH', '/items/:resource/:id', (tenant, r) =>
      withResource(r, (resource) => {
        const item = tenant.update(resource, r.params.id, bodyOf(r));
        return item ? json(200, item) : json(404);
      }),
    );
    on('DELETE', '/items/:resource/:id', (tenant, r) =>
      withResource(r, (resource) => json(tenant.remove(resource, r.params.id) ? 204 : 404)),
    );
  }
}

function summary(tenant: SimTenant) {
  const resources = Object.keys(GRAPH_CONTRACTS) as GraphResource[];
  return {
    id: tenant.id,
    counts: Object.fromEntries(resources.map((r) => [r, tenant.count(r)])),
  };
}

function withResource(
  request: SimRequest,
  handle: (resource: GraphResource) => SimResponse,
): SimResponse {
  const resource = request.params.resource;
  if (!Object.hasOwn(GRAPH_CONTRACTS, resource)) {
    return json(404, { error: `unknown resource ${resource}` });
  }
  return handle(resource as GraphResource);
}
