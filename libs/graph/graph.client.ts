import type {
  AssignableResource,
  CreatableResource,
  DeltaResource,
  GraphResource,
  RelatedOf,
  ResourceWithRelated,
  UpdatableResource,
} from './graph-contracts.js';

/** One Graph object as Graph sends it; the contract says which properties to expect. */
export type GraphItem = { id: string } & Record<string, unknown>;

export interface GraphPage {
  items: GraphItem[];
  /** Pass back verbatim to read the next page; absent on the last page. */
  nextLink?: string;
}

export interface PageOptions {
  /** The `nextLink` of the previous page. */
  nextLink?: string;
}

/**
 * A delta round: the objects changed since the last round (each merged from however many partial
 * entries Graph split it into), the ids removed, and the link that starts the next round. When
 * Graph has forgotten the state behind a delta link, the caller must read everything again.
 */
export type DeltaResult =
  | { kind: 'changes'; items: GraphItem[]; removedIds: string[]; deltaLink: string }
  | { kind: 'resync_required' };

/** Graph as one tenant's app registration sees it, limited to the contract registry. */
export interface TenantGraph {
  /** The TenantOps tenant whose app registration this is. */
  readonly tenantId: string;
  /** One page of a collection (`$select`, `$top` from the contract). */
  list(resource: GraphResource, options?: PageOptions): Promise<GraphPage>;
  /** Every item of a collection, following `@odata.nextLink` until Graph sends none. */
  listAll(resource: GraphResource): Promise<GraphItem[]>;
  /**
   * The application permissions the tenant granted the app: the `roles` claim of a token asked
   * for now (not a cached one, so a consent given a moment ago shows). Later calls of this
   * TenantGraph use that token.
   */
  grantedPermissions(): Promise<string[]>;
  /** The cheapest read of a collection (one item, its id only): whether the app may read it. */
  probe(resource: GraphResource): Promise<void>;
  /** One whole item (with the contract's `$expand`). */
  get(resource: GraphResource, id: string): Promise<GraphItem>;
  listRelated<R extends ResourceWithRelated>(
    resource: R,
    id: string,
    related: RelatedOf<R>,
    options?: PageOptions,
  ): Promise<GraphPage>;
  listAllRelated<R extends ResourceWithRelated>(
    resource: R,
    id: string,
    related: RelatedOf<R>,
  ): Promise<GraphItem[]>;
  create(resource: CreatableResource, body: Record<string, unknown>): Promise<GraphItem>;
  /** Changes one item in place (`PATCH`, or `PUT` of the whole item, as the contract says). */
  update(resource: UpdatableResource, id: string, body: Record<string, unknown>): Promise<void>;
  /** Writes one item of a related collection (an administrative template's definition value). */
  createRelated(
    resource: GraphResource,
    id: string,
    related: string,
    body: Record<string, unknown>,
  ): Promise<GraphItem>;
  /** Replaces the item's assignments (Graph's `assign` action). */
  assign(resource: AssignableResource, id: string, assignments: unknown[]): Promise<void>;
  /** The plain value of an encrypted custom (OMA-URI) setting of a device configuration. */
  omaSettingPlainTextValue(id: string, secretReferenceValueId: string): Promise<string>;
  /**
   * Starts a delta sync (no link) or continues one from the stored `deltaLink`. `onPage` hears of
   * each page read (its entry count) — progress for long rounds; what it throws ends the round.
   */
  delta(
    resource: DeltaResource,
    deltaLink?: string,
    options?: { onPage?: (entries: number) => void },
  ): Promise<DeltaResult>;
}

/** The one way into Microsoft Graph, used by jobs only (SPEC §5). */
export abstract class GraphClient {
  /** Graph for a TenantOps tenant: its provider connection is loaded and decrypted on first use. */
  abstract forTenant(tenantId: string): TenantGraph;
}
