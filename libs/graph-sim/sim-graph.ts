import {
  GRAPH_CONTRACTS,
  GRAPH_RESOURCES,
  isAllowed,
  POLICY_COLLECTION_BASE_TYPES,
  propertiesOf,
  type GraphContract,
  type GraphResource,
} from '#libs/graph';
import { completeItem, isPolicyResource, type SimItem } from './sim-data.js';
import {
  definitionView,
  parseExpand,
  renderDefinitionValue,
  type ExpandTree,
  type StoredDefinitionValue,
} from './sim-definitions.js';
import {
  graphError,
  json,
  notFound,
  type GraphSimRequest,
  type SimHandler,
  type SimRequest,
  type SimResponse,
  type SimRouter,
} from './sim-http.js';
import { presentItem } from './sim-oma.js';
import type { SimTenant } from './sim-tenant.js';
import { SimWrites } from './sim-writes.js';

export type { GraphSimRequest } from './sim-http.js';

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

/** The item, with its content made when the page shows more than the item has yet. */
function shown(item: SimItem, select: string[] | null): SimItem {
  return select && select.every((field) => field in item) ? item : completeItem(item);
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

  private readonly writes = new SimWrites();

  routes(graphRouter: SimRouter<GraphSimRequest>): void {
    const writes = this.writes;
    for (const resource of GRAPH_RESOURCES) {
      // Each route of a resource answers 403 to a token without a permission its contract names
      // for the call (GET: read; anything else: write), as Graph does.
      const router = {
        add: (method: string, path: string, handler: SimHandler<GraphSimRequest>) => {
          const access = method === 'GET' ? 'read' : 'write';
          graphRouter.add(method, path, (r) =>
            isAllowed(resource, access, r.roles)
              ? handler(r)
              : graphError(
                  r,
                  403,
                  'Authorization_RequestDenied',
                  'Insufficient privileges to complete the operation.',
                ),
          );
          return router;
        },
      };
      const contract: GraphContract = GRAPH_CONTRACTS[resource];
      const policy = isPolicyResource(resource) ? resource : undefined;
      for (const version of versionsOf(contract)) {
        const base = `/${version}${contract.path}`;
        if (contract.delta) router.add('GET', `${base}/delta`, (r) => this.delta(r, resource));
        router.add('GET', base, (r) => this.list(r, resource, r.tenant.listed(resource)));
        if (policy && contract.actions?.create) {
          router.add('POST', base, (r) => writes.create(r, policy));
        }
        router.add('GET', `${base}/:id`, (r) => this.get(r, resource));
        const update = contract.actions?.update;
        if (policy && update) {
          router.add(update, `${base}/:id`, (r) =>
            update === 'PUT' ? writes.replace(r, policy) : writes.update(r, policy),
          );
        }
        const assign = contract.actions?.assign;
        if (policy && assign) {
          router.add('POST', `${base}/:id/assign`, (r) =>
            writes.assign(r, policy, assign.bodyProperty),
          );
        }
        for (const [name, related] of Object.entries(contract.related ?? {})) {
          router.add('GET', `${base}/:id/${related.path}`, (r) =>
            this.listRelated(r, resource, name),
          );
          if (name === 'definitionValues' && contract.actions?.createRelated?.includes(name)) {
            router.add('POST', `${base}/:id/${related.path}`, (r) =>
              writes.createDefinitionValue(r),
            );
          }
        }
        if (contract.actions?.omaSettingPlainTextValue) {
          router.add('GET', `${base}/:id/:function`, (r) => writes.plainTextValue(r));
        }
      }
    }
    const router = graphRouter;
    // The administrative-template catalogue that definition values bind to (beta only).
    const definitions = '/beta/deviceManagement/groupPolicyDefinitions';
    router.add('GET', definitions, (r) =>
      this.list(
        r,
        'groupPolicyDefinitions',
        r.tenant.definitions.all().map(definitionView) as SimItem[],
      ),
    );
    router.add('GET', `${definitions}/:id`, (r) => {
      const found = r.tenant.definitions.get(r.params.id);
      if (!found) return notFound(r, 'groupPolicyDefinitions');
      const expand = parseExpand(r.url.searchParams.get('$expand'));
      const view = definitionView(found);
      if (expand.has('presentations')) view.presentations = found.presentations;
      return json(200, view);
    });
    router.add('GET', `${definitions}/:id/presentations`, (r) => {
      const found = r.tenant.definitions.get(r.params.id);
      if (!found) return notFound(r, 'groupPolicyDefinitions');
      return this.list(r, 'groupPolicyDefinitions/presentations', found.presentations);
    });
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
      value: items
        .slice(offset, offset + size)
        .map((item) => project(presentItem(shown(item, select)), select)),
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
    const answer: SimItem = { ...presentItem(item) };
    const type =
      typeof item['@odata.type'] === 'string'
        ? item['@odata.type']
        : isPolicyResource(resource)
          ? POLICY_COLLECTION_BASE_TYPES[resource]
          : undefined;
    for (const [name, nested] of parseExpand(request.url.searchParams.get('$expand'))) {
      const property = type ? propertiesOf(type).get(name) : undefined;
      if (!property?.navigation) {
        return graphError(
          request,
          400,
          'BadRequest',
          `Could not find a navigation property named '${name}' on type '${String(type ?? resource).replace(/^#/, '')}'.`,
        );
      }
      answer[name] = this.relatedView(request.tenant, resource, item.id, name, nested);
    }
    return json(200, answer);
  }

  /** A related collection as Graph returns it, with what a nested `$expand` asks. */
  private relatedView(
    tenant: SimTenant,
    resource: GraphResource,
    id: string,
    name: string,
    expand: ExpandTree,
  ): SimItem[] {
    const contract: GraphContract = GRAPH_CONTRACTS[resource];
    const known = name === 'scheduledActionsForRule' || Object.hasOwn(contract.related ?? {}, name);
    if (!known) return [];
    const items = tenant.relatedItems(resource, id, name);
    if (name === 'definitionValues') {
      return items.map(
        (value) =>
          renderDefinitionValue(
            value as unknown as StoredDefinitionValue,
            tenant.definitions,
            expand,
          ) as SimItem,
      );
    }
    if (name === 'scheduledActionsForRule' && !expand.has('scheduledActionConfigurations')) {
      return items.map(({ scheduledActionConfigurations: _actions, ...rule }) => rule as SimItem);
    }
    return items;
  }

  private listRelated(
    request: GraphSimRequest,
    resource: GraphResource,
    name: string,
  ): SimResponse {
    const item = request.tenant.item(resource, request.params.id);
    if (!item) return notFound(request, resource);
    const expand = parseExpand(request.url.searchParams.get('$expand'));
    const related = this.relatedView(request.tenant, resource, item.id, name, expand);
    return this.list(request, `${resource}/${name}`, related);
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
