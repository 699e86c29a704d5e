import { randomUUID } from 'node:crypto';
import { GRAPH_RESOURCES, type GraphResource } from '#libs/graph';
import { SimFaults } from './sim-faults.js';
import {
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
  readonly requests: SimRequestRecord[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private collections = new Map<GraphResource, Map<string, SimItem>>();
  private readonly related = new Map<string, SimItem[]>();
  private changes: Change[] = [];
  private seq = 0;

  constructor(
    readonly id: string,
    sizes: SimSizes = {},
  ) {
    this.faults = new SimFaults(id);
    this.regenerate(sizes);
  }

  regenerate(sizes: SimSizes): void {
    const resolved = sizesOf(sizes);
    this.collections = new Map(
      GRAPH_RESOURCES.map((resource) => [
        resource,
        new Map(
          generateItems(this.id, resource, resolved[resource]).map((item) => [item.id, item]),
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

  items(resource: GraphResource): SimItem[] {
    return [...this.collection(resource).values()];
  }

  item(resource: GraphResource, id: string): SimItem | undefined {
    return this.collection(resource).get(id);
  }

  relatedItems(resource: GraphResource, id: string, related: string): SimItem[] {
    const key = `${resource}/${id}/${related}`;
    let items = this.related.get(key);
    if (!items) this.related.set(key, (items = generateRelated(this.id, id, related)));
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
    this.record(resource, id);
    return item;
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
