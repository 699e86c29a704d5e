import { randomUUID } from 'node:crypto';
import { GRAPH_RESOURCES, type GraphResource } from '#libs/graph';
import { SimFaults } from './sim-faults.js';
import { SimTokenBucket } from './sim-throttle.js';
import { DefinitionCatalogue } from './sim-definitions.js';
import {
  completeItem,
  DEFAULT_SIZES,
  generateItems,
  generateRelated,
  POLICY_RESOURCES,
  type SimItem,
  type SimSizes,
} from './sim-data.js';

/** One request as the simulated Graph saw it (for tests: what was retried, and when). */
export interface SimRequestRecord {
  /** When the sim answered: milliseconds since the Unix epoch, sub-millisecond precision. */
  at: number;
  method: string;
  path: string;
  status: number;
  retryAfter?: string;
}

/** How the token endpoint answers a tenant's app. */
export interface SimAppRegistration {
  /** Client ids registered in the tenant; null: any (another gets AADSTS700016). */
  knownClientIds: string[] | null;
  /** The (right) secret has expired: AADSTS7000222. */
  secretExpired: boolean;
}

/** A change to a resource's objects, in order: what delta queries report. */
interface Change {
  seq: number;
  resource: GraphResource;
  id: string;
}

function sizesOf(sizes: SimSizes): Record<GraphResource, number> {
  const resolved = { ...DEFAULT_SIZES };
  for (const resource of POLICY_RESOURCES)
    resolved[resource] = sizes.policies ?? resolved[resource];
  for (const resource of GRAPH_RESOURCES)
    resolved[resource] = sizes[resource] ?? resolved[resource];
  return resolved;
}

/**
 * One generated tenant: its objects (deterministic from the tenant id and the sizes), what tests
 * changed since, the faults to inject, and the log of requests made against it.
 */
export class SimTenant {
  /** Changes when the data is regenerated or delta state is expired: old delta links stop working. */
  epoch = randomUUID();
  readonly faults: SimFaults;
  /** The administrative-template definitions this tenant's definition values may reference. */
  readonly definitions: DefinitionCatalogue;
  readonly requests: SimRequestRecord[] = [];
  /**
   * The application permissions the tenant granted the app (a token's `roles`); null: every
   * permission the contract registry names.
   */
  permissions: Set<string> | null = null;
  /** The app registration as the tenant's directory knows it: see {@link SimAppRegistration}. */
  app: SimAppRegistration = { knownClientIds: null, secretExpired: false };
  inFlight = 0;
  maxInFlight = 0;
  /** Graph requests (not token requests) received, throttled ones included. */
  graphRequests = 0;
  /** The tenant's request limit (none: unlimited). */
  bucket: SimTokenBucket | null = null;
  private collections = new Map<GraphResource, Map<string, SimItem>>();
  private readonly related = new Map<string, SimItem[]>();
  private changes: Change[] = [];
  private seq = 0;

  constructor(
    readonly id: string,
    sizes: SimSizes = {},
  ) {
    this.faults = new SimFaults(id);
    this.definitions = new DefinitionCatalogue(id);
    this.regenerate(sizes);
  }

  regenerate(sizes: SimSizes): void {
    const resolved = sizesOf(sizes);
    this.collections = new Map(
      GRAPH_RESOURCES.map((resource) => [
        resource,
        new Map(
          generateItems(this.id, resource, resolved[resource], { lazy: true }).map((item) => [
            item.id,
            item,
          ]),
        ),
      ]),
    );
    this.related.clear();
    this.changes = [];
    this.expireDelta();
  }

  expireDelta(): void {
    this.epoch = randomUUID();
  }

  /** Every object of the resource, whole. */
  items(resource: GraphResource): SimItem[] {
    return [...this.collection(resource).values()].map(completeItem);
  }

  /**
   * Every object of the resource, a generated policy perhaps without its content yet: what
   * a list pages through, completing only what a page shows ({@link completeItem}).
   */
  listed(resource: GraphResource): SimItem[] {
    return [...this.collection(resource).values()];
  }

  count(resource: GraphResource): number {
    return this.collection(resource).size;
  }

  item(resource: GraphResource, id: string): SimItem | undefined {
    const found = this.collection(resource).get(id);
    return found && completeItem(found);
  }

  relatedItems(resource: GraphResource, id: string, related: string): SimItem[] {
    const key = `${resource}/${id}/${related}`;
    let items = this.related.get(key);
    if (!items) {
      items = generateRelated(this.id, resource, id, related, this.definitions);
      this.related.set(key, items);
    }
    return items;
  }

  setRelated(resource: GraphResource, id: string, related: string, items: SimItem[]): void {
    this.related.set(`${resource}/${id}/${related}`, items);
  }

  add(resource: GraphResource, properties: Record<string, unknown>): SimItem {
    const now = new Date().toISOString();
    const item: SimItem = {
      createdDateTime: now,
      lastModifiedDateTime: now,
      ...properties,
      id: randomUUID(),
    };
    this.collection(resource).set(item.id, item);
    this.record(resource, item.id);
    return item;
  }

  update(resource: GraphResource, id: string, patch: Record<string, unknown>): SimItem | undefined {
    const item = this.item(resource, id);
    if (!item) return undefined;
    Object.assign(item, patch, { id, lastModifiedDateTime: new Date().toISOString() });
    if (typeof item.version === 'number') item.version += 1;
    else if (typeof item.version === 'string' && /^\d+$/.test(item.version)) {
      item.version = String(Number(item.version) + 1);
    }
    this.record(resource, id);
    return item;
  }

  /**
   * A policy written through Graph, stored as given (server-set values included), with its
   * related collections: those written inline, and empty ones for the rest — a new policy has
   * no assignments until `assign`.
   */
  insert(resource: GraphResource, item: SimItem, related: Record<string, SimItem[]>): void {
    this.collection(resource).set(item.id, item);
    for (const [name, items] of Object.entries(related))
      this.setRelated(resource, item.id, name, items);
    this.record(resource, item.id);
  }

  /** The whole item replaced (a PUT); a change, as delta queries report it. */
  replace(resource: GraphResource, item: SimItem): void {
    this.collection(resource).set(item.id, item);
    this.record(resource, item.id);
  }

  remove(resource: GraphResource, id: string): boolean {
    const removed = this.collection(resource).delete(id);
    if (removed) this.record(resource, id);
    return removed;
  }

  /** Where a delta link taken now starts from. */
  get position(): number {
    return this.seq;
  }

  /** Ids of `resource` added, edited or removed after `position`, in the order of their last change. */
  changedSince(resource: GraphResource, position: number): string[] {
    const ids = new Set<string>();
    for (const change of this.changes) {
      if (change.seq <= position || change.resource !== resource) continue;
      ids.delete(change.id);
      ids.add(change.id);
    }
    return [...ids];
  }

  private record(resource: GraphResource, id: string): void {
    this.changes.push({ seq: ++this.seq, resource, id });
  }

  private collection(resource: GraphResource): Map<string, SimItem> {
    return this.collections.get(resource)!;
  }
}
