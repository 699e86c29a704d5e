import { GRAPH_CONTRACTS, type GraphResource } from '../graph/graph-contracts.js';
import type { SimSizes } from './sim-data.js';
import type { ScheduledFault, SimFaultRates } from './sim-faults.js';
import { json, type SimRequest, type SimResponse, type SimRouter } from './sim-http.js';
import type { SimTenant } from './sim-tenant.js';

type Body = Record<string, unknown>;

/**
 * `/_sim/...`: how tests (and a person at the demo) shape a tenant — sizes, faults, objects added,
 * edited or deleted between syncs, expired delta links — and read the requests it received.
 */
export class SimControl {
  constructor(private readonly tenant: (id: string) => SimTenant) {}

  routes(router: SimRouter): void {
    const t =
      (handler: (tenant: SimTenant, request: SimRequest) => SimResponse) => (request: SimRequest) =>
        handler(this.tenant(request.params.tenant), request);
    const body = (request: SimRequest) => (request.body ?? {}) as Body;
    router
      .add(
        'GET',
        '/_sim/tenants/:tenant',
        t((tenant) => json(200, summary(tenant))),
      )
      .add(
        'PUT',
        '/_sim/tenants/:tenant/sizes',
        t((tenant, r) => {
          tenant.regenerate(body(r) as SimSizes);
          return json(200, summary(tenant));
        }),
      )
      .add(
        'PUT',
        '/_sim/tenants/:tenant/faults',
        t((tenant, r) => {
          tenant.faults.rates = body(r) as SimFaultRates;
          return json(204);
        }),
      )
      .add(
        'POST',
        '/_sim/tenants/:tenant/faults/schedule',
        t((tenant, r) => {
          const fault = body(r) as unknown as ScheduledFault;
          if (!Number.isInteger(fault.status) || !Number.isInteger(fault.count)) {
            return json(400, { error: 'status and count must be integers' });
          }
          tenant.faults.add(fault);
          return json(204);
        }),
      )
      .add(
        'DELETE',
        '/_sim/tenants/:tenant/faults',
        t((tenant) => {
          tenant.faults.clear();
          return json(204);
        }),
      )
      .add(
        'POST',
        '/_sim/tenants/:tenant/delta/expire',
        t((tenant) => {
          tenant.expireDelta();
          return json(204);
        }),
      )
      .add(
        'GET',
        '/_sim/tenants/:tenant/requests',
        t((tenant) =>
          json(200, {
            total: tenant.requests.length,
            maxInFlight: tenant.maxInFlight,
            requests: tenant.requests,
          }),
        ),
      )
      .add(
        'DELETE',
        '/_sim/tenants/:tenant/requests',
        t((tenant) => {
          tenant.requests.length = 0;
          tenant.maxInFlight = 0;
          return json(204);
        }),
      )
      .add(
        'POST',
        '/_sim/tenants/:tenant/items/:resource',
        t((tenant, r) => withResource(r, (resource) => json(201, tenant.add(resource, body(r))))),
      )
      .add(
        'PATCH',
        '/_sim/tenants/:tenant/items/:resource/:id',
        t((tenant, r) =>
          withResource(r, (resource) => found(tenant.update(resource, r.params.id, body(r)))),
        ),
      )
      .add(
        'DELETE',
        '/_sim/tenants/:tenant/items/:resource/:id',
        t((tenant, r) =>
          withResource(r, (resource) =>
            tenant.remove(resource, r.params.id) ? json(204) : json(404),
          ),
        ),
      );
  }
}

function summary(tenant: SimTenant) {
  return {
    id: tenant.id,
    counts: Object.fromEntries(
      Object.keys(GRAPH_CONTRACTS).map((resource) => [
        resource,
        tenant.items(resource as GraphResource).length,
      ]),
    ),
  };
}

function withResource(
  request: SimRequest,
  handle: (resource: GraphResource) => SimResponse,
): SimResponse {
  const resource = request.params.resource;
  if (!Object.hasOwn(GRAPH_CONTRACTS, resource))
    return json(404, { error: `unknown resource ${resource}` });
  return handle(resource as GraphResource);
}

const found = (item: object | undefined) => (item ? json(200, item) : json(404));
