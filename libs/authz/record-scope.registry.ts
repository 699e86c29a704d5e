import { Injectable } from '@nestjs/common';
import type { Capability } from './capabilities.js';

/** Where a record belongs, which is all the 404/403 rule needs to know about it. */
export interface RecordScope {
  workspaceId: string;
  tenantId?: string | null;
  /** The capability the record itself demands (a run's type decides who may view it). */
  capability?: Capability;
}

/** Looks a record up by the id in the URL; null when it does not exist. Must not throw on bad ids. */
export type RecordScopeResolver = (id: string) => Promise<RecordScope | null>;

interface RecordKind {
  label: string;
  resolve: RecordScopeResolver;
}

/**
 * Record kinds that routes can name in `@RequireCapability(..., { record, param })`. Each module
 * registers the kinds it owns (`tenant`, `workspace`, later `run`, `backup_schedule`, …) at init.
 */
@Injectable()
export class RecordScopeRegistry {
  private readonly kinds = new Map<string, RecordKind>();

  register(kind: string, label: string, resolve: RecordScopeResolver): void {
    if (this.kinds.has(kind)) throw new Error(`Record kind "${kind}" is registered twice.`);
    this.kinds.set(kind, { label, resolve });
  }

  get(kind: string): RecordKind {
    const entry = this.kinds.get(kind);
    if (!entry) throw new Error(`Record kind "${kind}" has no registered resolver.`);
    return entry;
  }
}
