import {
  GRAPH_CONTRACTS,
  GRAPH_RESOURCES,
  type GraphContract,
  type GraphResource,
} from '#libs/graph';
import type { SimItem } from './sim-data.js';
import { graphError, json, type SimRequest, type SimResponse, type SimRouter } from './sim-http.js';
import type { SimTenant } from './sim-tenant.js';

/** A Graph request, authenticated: the bearer token named the tenant. */
export interface GraphSimRequest extends SimRequest {
  tenant: SimTenant;
}

/** Graph's page sizes: what `$top` may ask at most, per collection (100 when not listed). */
const MAX_PAGE: Partial<Record<string, number>> = {
  configurationPolicies: 25,
  'configurationPolicies/settings': 25,
  groups: 999,
};
const DEFAULT_PAGE = 100;
const DELTA_PAGE = 100;

/** Skip and delta tokens are opaque to clients; inside, the position they continue from. */
interface DeltaState {
  /** Tenant epoch: a token from an older one is expired. */
  e: string;
  /** Changes after this position; null: the initial round (everything). */
  from: number | null;
  /** Position at the start of the round (the next delta link's `from`). */
  to: number;
  select: string[] | null;
  offset: number;
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode<T>(token: string): T | null {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}

function selectOf(request: SimRequest): string[] | null {
  const select = request.url.searchParams.get('$select');
  return select ? select.split(',').map((field) => field.trim()) : null;
}

function project(item: SimItem, select: string[] | null): SimItem {
  if (!select) return { ...item };
  const projected: SimItem = { id: item.id };
  if (item['@odata.type']) projected['@odata.type'] = item['@odata.type'];
  for (const field of select) if (field in item) projected[field] = item[field];
  return projected;
}

/** Only beta serves the beta-only resources; beta also serves every v1.0 one, as Graph does. */
const versionsOf = (contract: GraphContract) =>
  contract.version === 'beta' ? ['beta'] : ['v1.0', 'beta'];

/**
 * Every route of the contract registry, as Graph answers it: `$top`/`$skiptoken` paging with
 * `@odata.nextLink`, `$select`, `$expand`, `/delta` with `@odata.deltaLink` and `@removed`,
 * create and `assign`.
 */
export class SimGraph {
  /** The entries of each tenant's latest delta round: built once per round, not once per page. */
  private readonly rounds = new WeakMap<SimTenant, { key: string; entries: SimItem[] }>();

  routes(router: SimRouter<GraphSimRequest>): void {
    for (const resource of GRAPH_RESOURCES) {
      const contract: GraphContract = GRAPH_CONTRACTS[resource];
      for (const version of versionsOf(contract)) {
        const base = `/${version}${contract.path}`;
        if (contract.delta) router.add('GET', `${base}/delta`, (r) => this.delta(r, resource));
        router.add('GET', base, (r) => this.list(r, resource, r.tenant.items(resource)));
        if (contract.actions?.create) router.add('POST', base, (r) => this.create(r, resource));
        router.add('GET', `${base}/:id`, (r) => this.get(r, resource));
        const assign = contract.actions?.assign;
        if (assign) {
          router.add('POST', `${base}/:id/assign`, (r) =>
            this.assign(r, resource, assign.bodyProperty),
          );
        }
        for (const [name, related] of Object.entries(contract.related ?? {})) {
          router.add('GET', `${base}/:id/${related.path}`, (r) =>
            this.listRelated(r, resource, name),
          );
        }
      }
    }
  }

  private list(request: GraphSimRequest, collection: string, items: SimItem[]): SimResponse {
    const top = request.url.searchParams.get('$top');
    if (top !== null && collection === 'entraRoleDefinitions') {
      return graphError(
        request,
        400,
        'Request_UnsupportedQuery',
        "Query option '$top' is not supported.",
      );
    }
    const size = Math.min(Number(top ?? DEFAULT_PAGE), MAX_PAGE[collection] ?? DEFAULT_PAGE);
    if (!Number.isInteger(size) || size < 1) {
      return graphError(request, 400, 'BadRequest', `Invalid value '${top}' for $top.`);
    }
    const skip = request.url.searchParams.get('$skiptoken');
    const offset = skip === null ? 0 : decode<{ o: number }>(skip)?.o;
    if (typeof offset !== 'number') {
      return graphError(request, 400, 'BadRequest', 'The $skiptoken is invalid.');
    }
    const select = selectOf(request);
    const body: Record<string, unknown> = {
      '@odata.context': `${request.url.origin}${request.url.pathname}/$metadata`,
      value: items.slice(offset, offset + size).map((item) => project(item, select)),
    };
    if (offset + size < items.length) {
      const next = new URL(request.url);
      next.searchParams.set('$skiptoken', encode({ o: offset + size }));
      body['@odata.nextLink'] = next.href;
    }
    return json(200, body);
  }

  private get(request: GraphSimRequest, resource: GraphResource): SimResponse {
    const item = request.tenant.item(resource, request.params.id);
    if (!item) return notFound(request, resource);
    const expand = request.url.searchParams.get('$expand') ?? '';
    const answer = { ...item };
    if (resource === 'deviceCompliancePolicies' && expand.startsWith('scheduledActionsForRule')) {
      answer.scheduledActionsForRule = request.tenant.relatedItems(
        resource,
        item.id,
        'scheduledActionsForRule',
      );
    }
    return json(200, answer);
  }

  private listRelated(
    request: GraphSimRequest,
    resource: GraphResource,
    name: string,
  ): SimResponse {
    const item = request.tenant.item(resource, request.params.id);
    if (!item) return notFound(request, resource);
    let related = request.tenant.relatedItems(resource, item.id, name);
    if (
      name === 'definitionValues' &&
      !(request.url.searchParams.get('$expand') ?? '').split(',').includes('definition')
    ) {
      related = related.map(({ definition: _definition, ...rest }) => rest as SimItem);
    }
    return this.list(request, `${resource}/${name}`, related);
  }

  private create(request: GraphSimRequest, resource: GraphResource): SimResponse {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return graphError(request, 400, 'BadRequest', 'Write requests must carry a JSON object.');
    }
    const { id: _id, settings, ...properties } = body as Record<string, unknown>;
    const item = request.tenant.add(resource, properties);
    if (Array.isArray(settings)) request.tenant.setRelated(resource, item.id, 'settings', settings);
    return json(201, item);
  }

  private assign(request: GraphSimRequest, resource: GraphResource, property: string): SimResponse {
    const item = request.tenant.item(resource, request.params.id);
    if (!item) return notFound(request, resource);
    const assignments = (request.body as Record<string, unknown> | undefined)?.[property];
    if (!Array.isArray(assignments)) {
      return graphError(request, 400, 'BadRequest', `The body must carry '${property}' as a list.`);
    }
    const stored = assignments.map((assignment: Record<string, unknown>, i) => ({
      ...assignment,
      id: `${item.id}_${i}`,
    }));
    request.tenant.setRelated(resource, item.id, 'assignments', stored);
    return json(200, { value: stored });
  }

  /**
   * Delta rounds: the first (no token) lists everything; a `$deltatoken` lists what changed
   * since, removals as `@removed`. Each object comes as two partial entries, the second (its
   * description) at the end of the round, often on a later page — as Graph splits large objects.
   */
  private delta(request: GraphSimRequest, resource: GraphResource): SimResponse {
    const tenant = request.tenant;
    const params = request.url.searchParams;
    const token = params.get('$skiptoken') ?? params.get('$deltatoken');
    let state: DeltaState;
    if (token === null) {
      state = {
        e: tenant.epoch,
        from: null,
        to: tenant.position,
        select: selectOf(request),
        offset: 0,
      };
    } else {
      const decoded = decode<DeltaState>(token);
      if (!decoded || decoded.e !== tenant.epoch) {
        return graphError(
          request,
          410,
          'syncStateNotFound',
          'The delta token has expired; resync.',
        );
      }
      state = params.has('$deltatoken')
        ? { ...decoded, from: decoded.to, to: tenant.position, offset: 0 }
        : decoded;
    }
    const entries = this.roundEntries(tenant, resource, state);
    const base = `${request.url.origin}${request.url.pathname}`;
    const end = state.offset + DELTA_PAGE;
    const body: Record<string, unknown> = { value: entries.slice(state.offset, end) };
    if (end < entries.length) {
      body['@odata.nextLink'] = `${base}?$skiptoken=${encode({ ...state, offset: end })}`;
    } else {
      body['@odata.deltaLink'] = `${base}?$deltatoken=${encode({ ...state, offset: 0 })}`;
    }
    return json(200, body);
  }

  private roundEntries(tenant: SimTenant, resource: GraphResource, state: DeltaState): SimItem[] {
    // A change made meanwhile moves the tenant's position: the round is built again.
    const key = JSON.stringify([
      resource,
      state.e,
      state.from,
      state.to,
      state.select,
      tenant.position,
    ]);
    const cached = this.rounds.get(tenant);
    if (cached?.key === key) return cached.entries;
    const entries = this.deltaEntries(tenant, resource, state);
    this.rounds.set(tenant, { key, entries });
    return entries;
  }

  private deltaEntries(tenant: SimTenant, resource: GraphResource, state: DeltaState): SimItem[] {
    const ids =
      state.from === null
        ? tenant.items(resource).map((item) => item.id)
        : tenant.changedSince(resource, state.from);
    const entries: SimItem[] = [];
    const tails: SimItem[] = [];
    for (const id of ids) {
      const item = tenant.item(resource, id);
      if (!item) {
        entries.push({ id, '@removed': { reason: 'deleted' } });
        continue;
      }
      const { description, ...head } = project(item, state.select);
      entries.push(head as SimItem);
      if (description !== undefined) tails.push({ id, description });
    }
    return [...entries, ...tails];
  }
}

function notFound(request: SimRequest, resource: string): SimResponse {
  return graphError(
    request,
    404,
    'Request_ResourceNotFound',
    `Resource '${request.params.id}' does not exist in ${resource}.`,
  );
}
