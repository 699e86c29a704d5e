import type { ProviderCredentials } from '#libs/tenancy';
import {
  GRAPH_CONTRACTS,
  type AssignableResource,
  type CreatableResource,
  type DeltaResource,
  type GraphContract,
  type GraphResource,
  type RelatedContract,
  type UpdatableResource,
} from './graph-contracts.js';
import type {
  DeltaResult,
  GraphItem,
  GraphPage,
  PageOptions,
  TenantGraph,
} from './graph.client.js';
import { GraphContractError, GraphError } from './graph.errors.js';
import type { GraphCall, GraphHttp } from './graph-http.js';

interface ODataPage {
  value?: GraphItem[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** Graph's answers when the state behind a delta link is gone: start over. */
const EXPIRED_DELTA_CODES = new Set(['syncStateNotFound', 'syncStateInvalid', 'resyncRequired']);

export interface TenantGraphDependencies {
  http: GraphHttp;
  baseUrl: string;
  credentials: () => Promise<ProviderCredentials>;
  /** `fresh`: a new token from the token endpoint, never a cached one. */
  token: (credentials: ProviderCredentials, options?: { fresh?: boolean }) => Promise<string>;
}

/** The `roles` claim of an access token (a JWT; read, not verified: Graph verifies it). */
function rolesOf(token: string): string[] {
  const payload = token.split('.')[1];
  if (!payload) return [];
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      roles?: unknown;
    };
    return Array.isArray(claims.roles)
      ? claims.roles.filter((role): role is string => typeof role === 'string')
      : [];
  } catch {
    return [];
  }
}

function contractOf(resource: string): GraphContract {
  if (!Object.hasOwn(GRAPH_CONTRACTS, resource)) {
    throw new GraphContractError(`"${resource}" is not in the Graph contract registry.`);
  }
  return GRAPH_CONTRACTS[resource as GraphResource];
}

function relatedOf(resource: string, related: string): RelatedContract {
  const contract = contractOf(resource).related;
  if (!contract || !Object.hasOwn(contract, related)) {
    throw new GraphContractError(`"${resource}" declares no related collection "${related}".`);
  }
  return contract[related];
}

/** {@link TenantGraph} over HTTPS: every URL is built from a contract, or is a link Graph gave. */
export class HttpTenantGraph implements TenantGraph {
  private credentials?: Promise<ProviderCredentials>;

  constructor(
    readonly tenantId: string,
    private readonly deps: TenantGraphDependencies,
  ) {}

  async list(resource: GraphResource, options: PageOptions = {}): Promise<GraphPage> {
    const contract = contractOf(resource);
    return this.page(
      this.collectionUrl(contract, '', options.nextLink, {
        $select: contract.select.join(','),
        $top: contract.pageSize,
      }),
    );
  }

  async listAll(resource: GraphResource): Promise<GraphItem[]> {
    return this.all((nextLink) => this.list(resource, { nextLink }));
  }

  async grantedPermissions(): Promise<string[]> {
    const token = await this.deps.token(await this.providerCredentials(), { fresh: true });
    return rolesOf(token).sort();
  }

  async probe(resource: GraphResource): Promise<void> {
    const contract = contractOf(resource);
    // `$top` only where Graph takes it (the contract has a page size).
    await this.send({
      method: 'GET',
      url: this.url(contract, '', {
        $select: 'id',
        $top: contract.pageSize === undefined ? undefined : 1,
      }),
    });
  }

  async get(resource: GraphResource, id: string): Promise<GraphItem> {
    const contract = contractOf(resource);
    return this.send({
      method: 'GET',
      url: this.url(contract, `/${encodeURIComponent(id)}`, { $expand: contract.expand }),
    });
  }

  async listRelated(
    resource: GraphResource,
    id: string,
    related: string,
    options: PageOptions = {},
  ): Promise<GraphPage> {
    const contract = contractOf(resource);
    const sub = relatedOf(resource, related);
    return this.page(
      this.collectionUrl(contract, `/${encodeURIComponent(id)}/${sub.path}`, options.nextLink, {
        $top: sub.pageSize,
        $expand: sub.expand,
      }),
    );
  }

  async listAllRelated(resource: GraphResource, id: string, related: string): Promise<GraphItem[]> {
    return this.all((nextLink) => this.listRelated(resource, id, related, { nextLink }));
  }

  async create(resource: CreatableResource, body: Record<string, unknown>): Promise<GraphItem> {
    const contract = contractOf(resource);
    if (!contract.actions?.create)
      throw new GraphContractError(`"${resource}" declares no create.`);
    return this.send({ method: 'POST', url: this.url(contract, ''), body, idempotent: false });
  }

  async update(
    resource: UpdatableResource,
    id: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    const contract = contractOf(resource);
    const method = contract.actions?.update;
    if (!method) throw new GraphContractError(`"${resource}" declares no update.`);
    await this.send({ method, url: this.url(contract, `/${encodeURIComponent(id)}`), body });
  }

  async createRelated(
    resource: GraphResource,
    id: string,
    related: string,
    body: Record<string, unknown>,
  ): Promise<GraphItem> {
    const contract = contractOf(resource);
    if (!contract.actions?.createRelated?.includes(related)) {
      throw new GraphContractError(`"${resource}" declares no create of "${related}".`);
    }
    const { path } = relatedOf(resource, related);
    return this.send({
      method: 'POST',
      url: this.url(contract, `/${encodeURIComponent(id)}/${path}`),
      body,
      idempotent: false,
    });
  }

  async omaSettingPlainTextValue(id: string, secretReferenceValueId: string): Promise<string> {
    const contract = contractOf('deviceConfigurations');
    const escaped = secretReferenceValueId.replace(/'/g, "''");
    const answer = await this.send<{ value?: unknown }>({
      method: 'GET',
      url: this.url(
        contract,
        `/${encodeURIComponent(id)}/getOmaSettingPlainTextValue(secretReferenceValueId='${encodeURIComponent(escaped)}')`,
      ),
    });
    if (typeof answer.value !== 'string') {
      throw new GraphContractError('getOmaSettingPlainTextValue answered without a value.');
    }
    return answer.value;
  }

  async assign(resource: AssignableResource, id: string, assignments: unknown[]): Promise<void> {
    const contract = contractOf(resource);
    const assign = contract.actions?.assign;
    if (!assign) throw new GraphContractError(`"${resource}" declares no assign.`);
    await this.send({
      method: 'POST',
      url: this.url(contract, `/${encodeURIComponent(id)}/assign`),
      body: { [assign.bodyProperty]: assignments },
    });
  }

  async delta(
    resource: DeltaResource,
    deltaLink?: string,
    options: { onPage?: (entries: number) => void } = {},
  ): Promise<DeltaResult> {
    const contract = contractOf(resource);
    if (!contract.delta) throw new GraphContractError(`"${resource}" declares no delta query.`);
    let url = this.collectionUrl(contract, '/delta', deltaLink, {
      $select: contract.delta.select.join(','),
    });
    const changed = new Map<string, GraphItem>();
    const removed = new Set<string>();
    for (;;) {
      let page: ODataPage;
      try {
        page = await this.send<ODataPage>({ method: 'GET', url });
      } catch (error) {
        if (
          error instanceof GraphError &&
          (error.status === 410 || EXPIRED_DELTA_CODES.has(error.graphCode ?? ''))
        ) {
          return { kind: 'resync_required' };
        }
        throw error;
      }
      options.onPage?.(page.value?.length ?? 0);
      for (const item of page.value ?? []) {
        if ('@removed' in item) {
          changed.delete(item.id);
          removed.add(item.id);
        } else {
          // Graph may split one object over several entries (and pages): merge them.
          removed.delete(item.id);
          changed.set(item.id, { ...changed.get(item.id), ...item });
        }
      }
      const next = page['@odata.nextLink'];
      if (next) {
        url = this.collectionUrl(contract, '/delta', next, {});
        continue;
      }
      const link = page['@odata.deltaLink'];
      if (!link) throw new GraphContractError('Graph ended a delta round without a deltaLink.');
      return {
        kind: 'changes',
        items: [...changed.values()],
        removedIds: [...removed],
        deltaLink: link,
      };
    }
  }

  private async all(read: (nextLink?: string) => Promise<GraphPage>): Promise<GraphItem[]> {
    const items: GraphItem[] = [];
    let nextLink: string | undefined;
    do {
      const page = await read(nextLink);
      items.push(...page.items);
      nextLink = page.nextLink;
    } while (nextLink);
    return items;
  }

  private async page(url: string): Promise<GraphPage> {
    const body = await this.send<ODataPage>({ method: 'GET', url });
    return { items: body.value ?? [], nextLink: body['@odata.nextLink'] };
  }

  private url(
    contract: GraphContract,
    suffix: string,
    query: Record<string, string | number | undefined> = {},
  ): string {
    const url = new URL(`${this.deps.baseUrl}/${contract.version}${contract.path}${suffix}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.href;
  }

  /**
   * The first page's URL, or a link Graph gave for a later one — used verbatim (never rebuilt),
   * but only if it stays on the same collection: the bearer token must not go anywhere else.
   */
  private collectionUrl(
    contract: GraphContract,
    suffix: string,
    link: string | undefined,
    query: Record<string, string | number | undefined>,
  ): string {
    if (link === undefined) return this.url(contract, suffix, query);
    const expected = new URL(this.url(contract, suffix));
    let given: URL;
    try {
      given = new URL(link);
    } catch {
      throw new GraphContractError('A paging link is not a URL.');
    }
    if (given.origin !== expected.origin || given.pathname !== expected.pathname) {
      throw new GraphContractError(`A paging link leaves ${contract.path}${suffix}.`);
    }
    return link;
  }

  private send<T>(
    call: Pick<GraphCall, 'method' | 'url' | 'body'> & { idempotent?: boolean },
  ): Promise<T> {
    return this.deps.http.send<T>({
      ...call,
      idempotent: call.idempotent ?? true,
      tenantId: this.tenantId,
      token: async () => this.deps.token(await this.providerCredentials()),
    });
  }

  private providerCredentials(): Promise<ProviderCredentials> {
    this.credentials ??= this.deps.credentials();
    return this.credentials;
  }
}
