import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import stringify from 'safe-stable-stringify';
import { GraphClient, type GraphItem, type TenantGraph } from '../../libs/graph/index.js';
import type { Json } from '../../libs/operation-runs/index.js';

/** The Intune policy collections a backup can hold (Graph contract resources). */
export const POLICY_TYPES = [
  'deviceConfigurations',
  'configurationPolicies',
  'deviceCompliancePolicies',
  'groupPolicyConfigurations',
  'iosManagedAppProtections',
  'androidManagedAppProtections',
  'deviceEnrollmentConfigurations',
] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

/** One policy as captured: its whole content and assignments, normalised and hashed. */
export interface CapturedPolicy {
  policyType: PolicyType;
  policyId: string;
  displayName: string | null;
  content: Json;
  assignments: Json;
  contentHash: string;
}

export interface PolicyRef {
  policyType: PolicyType;
  policyId: string;
}

/**
 * Captures policies through the Graph client. (Issue 5's inventory is to provide a capture of
 * its own; until it lands, backups use this one, behind {@link PolicyCapture}.)
 */
export abstract class PolicyCapture {
  /** Every policy of the types (empty: every type), as references. */
  abstract listPolicies(tenantId: string, types: readonly PolicyType[]): Promise<PolicyRef[]>;
  /** One policy's full content and assignments. */
  abstract capture(tenantId: string, policy: PolicyRef): Promise<CapturedPolicy>;
}

/** Properties Graph changes on its own, or that only describe the read: not content. */
const VOLATILE = new Set(['@odata.context', 'lastModifiedDateTime', 'version', 'createdDateTime']);

function normalise(item: GraphItem): Json {
  return Object.fromEntries(
    Object.entries(item)
      .filter(([key]) => !VOLATILE.has(key))
      .sort(([a], [b]) => a.localeCompare(b)),
  ) as Json;
}

@Injectable()
export class GraphPolicyCapture extends PolicyCapture {
  constructor(private readonly graph: GraphClient) {
    super();
  }

  async listPolicies(tenantId: string, types: readonly PolicyType[]): Promise<PolicyRef[]> {
    const graph = this.graph.forTenant(tenantId);
    const refs: PolicyRef[] = [];
    for (const policyType of types.length ? types : POLICY_TYPES) {
      for (const item of await graph.listAll(policyType))
        refs.push({ policyType, policyId: item.id });
    }
    return refs;
  }

  async capture(tenantId: string, { policyType, policyId }: PolicyRef): Promise<CapturedPolicy> {
    const graph = this.graph.forTenant(tenantId);
    const item = await graph.get(policyType, policyId);
    const content = { ...item, ...(await this.parts(graph, policyType, policyId)) };
    const assignments = (await graph.listAllRelated(policyType, policyId, 'assignments')).map(
      normalise,
    );
    const normalised = normalise(content as GraphItem);
    return {
      policyType,
      policyId,
      displayName: (item.displayName ?? item.name ?? null) as string | null,
      content: normalised,
      assignments,
      contentHash: createHash('sha256')
        .update(stringify({ content: normalised, assignments }) ?? '')
        .digest('hex'),
    };
  }

  /** Content Graph keeps in sub-collections rather than on the item. */
  private async parts(graph: TenantGraph, type: PolicyType, id: string): Promise<GraphItem> {
    if (type === 'configurationPolicies') {
      return { id, settings: (await graph.listAllRelated(type, id, 'settings')).map(normalise) };
    }
    if (type === 'groupPolicyConfigurations') {
      return {
        id,
        definitionValues: (await graph.listAllRelated(type, id, 'definitionValues')).map(normalise),
      };
    }
    return { id };
  }
}
