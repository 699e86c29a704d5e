import { Injectable } from '@nestjs/common';
import { GraphClient } from '#libs/graph';
import {
  POLICY_TYPES,
  PolicyCaptureService,
  selectedPolicyTypes,
  type CaptureOutcome,
  type PolicyRef,
  type PolicyType,
} from '#libs/policies';

/**
 * What a backup reads from Graph: the policies of the selected types (listed live, not from the
 * inventory, so a backup is whole even before a first inventory sync), captured by the
 * inventory's {@link PolicyCaptureService} — the same content, assignments and hash as policy
 * versions.
 */
@Injectable()
export class BackupCapture {
  constructor(
    private readonly graph: GraphClient,
    private readonly capture: PolicyCaptureService,
  ) {}

  /** Every policy of the types (none: every type). */
  async listPolicies(tenantId: string, types: readonly string[]): Promise<PolicyRef[]> {
    const graph = this.graph.forTenant(tenantId);
    const refs: PolicyRef[] = [];
    for (const policyType of selectedPolicyTypes(types)) {
      for (const item of await graph.listAll(POLICY_TYPES[policyType].resource)) {
        refs.push({ policyType, graphId: item.id });
      }
    }
    return refs;
  }

  captureMany(tenantId: string, refs: readonly PolicyRef[]): Promise<CaptureOutcome[]> {
    return this.capture.captureMany(this.graph.forTenant(tenantId), refs);
  }
}

export type { PolicyRef, PolicyType };
