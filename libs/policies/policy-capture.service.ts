import { Injectable } from '@nestjs/common';
import { GraphError, type GraphItem, type TenantGraph } from '#libs/graph';
import type { PolicyContent } from './policy-content.js';
import { policyHash } from './policy-writes.js';
import { PolicySecretCipher, SECRET_MARK, type CapturedSecret } from './policy-secrets.js';
import { displayNameOf, POLICY_TYPES, type PolicyType } from './policy-types.js';

/** One policy to capture: its type and its Graph id. */
export interface PolicyRef {
  policyType: PolicyType;
  graphId: string;
}

export interface CapturedPolicy extends PolicyRef {
  displayName: string;
  content: PolicyContent;
  assignments: GraphItem[];
  /** SHA-256 of the normalised content and assignments: equal for an unchanged policy. */
  contentHash: string;
}

export type CaptureOutcome =
  | { ref: PolicyRef; ok: true; policy: CapturedPolicy }
  | { ref: PolicyRef; ok: false; error: unknown };

const BOOKKEEPING = /^@odata\.(context|etag|nextLink)$|@odata\.(navigationLink|associationLink)$/;

function withoutBookkeeping(item: GraphItem): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !BOOKKEEPING.test(key)));
}

/**
 * Captures whole policies from Graph — the reusable piece behind policy versions and backups:
 * given a tenant's Graph and (policy type, Graph id) pairs, it reads each policy's content and
 * assignments and returns them with their content hash. It writes nothing.
 */
@Injectable()
export class PolicyCaptureService {
  constructor(private readonly secrets: PolicySecretCipher) {}

  async capture(graph: TenantGraph, ref: PolicyRef): Promise<CapturedPolicy> {
    const { resource } = POLICY_TYPES[ref.policyType];
    const [item, assignments, settings, definitionValues] = await Promise.all([
      graph.get(resource, ref.graphId).then((item) => this.withSecrets(graph, ref, item)),
      graph.listAllRelated(resource, ref.graphId, 'assignments'),
      ref.policyType === 'settings_catalog'
        ? graph.listAllRelated('configurationPolicies', ref.graphId, 'settings')
        : undefined,
      ref.policyType === 'administrative_template'
        ? graph.listAllRelated('groupPolicyConfigurations', ref.graphId, 'definitionValues')
        : undefined,
    ]);
    const content: PolicyContent = { properties: withoutBookkeeping(item) };
    if (settings) content.settings = settings.map(withoutBookkeeping) as GraphItem[];
    if (definitionValues) {
      content.definitionValues = definitionValues.map(withoutBookkeeping) as GraphItem[];
    }
    const cleanAssignments = assignments.map(withoutBookkeeping) as GraphItem[];
    return {
      ...ref,
      displayName: displayNameOf(item),
      content,
      assignments: cleanAssignments,
      contentHash: policyHash(ref.policyType, content, cleanAssignments),
    };
  }

  /**
   * A device configuration's encrypted custom (OMA-URI) values, read in the clear through
   * `getOmaSettingPlainTextValue` and sealed at once: a restore must write the value itself, as
   * Graph refuses the reference it reads back. A value Graph will not give (the permission is
   * missing, the reference is gone) is kept as not captured; a retryable failure fails the capture.
   */
  private async withSecrets(
    graph: TenantGraph,
    ref: PolicyRef,
    item: GraphItem,
  ): Promise<GraphItem> {
    if (ref.policyType !== 'device_configuration' || !Array.isArray(item.omaSettings)) return item;
    const omaSettings = await Promise.all(
      item.omaSettings.map(async (setting: Record<string, unknown>) => {
        const reference = setting.secretReferenceValueId;
        if (setting.isEncrypted !== true || typeof reference !== 'string') return setting;
        return { ...setting, value: await this.readSecret(graph, item.id, reference) };
      }),
    );
    return { ...item, omaSettings };
  }

  private async readSecret(
    graph: TenantGraph,
    policyId: string,
    reference: string,
  ): Promise<CapturedSecret> {
    try {
      const plain = await graph.omaSettingPlainTextValue(policyId, reference);
      return this.secrets.seal(plain, graph.tenantId);
    } catch (error) {
      if (error instanceof GraphError && !error.retryable) return { [SECRET_MARK]: null };
      throw error;
    }
  }

  /**
   * Captures each policy, `concurrency` at a time (the Graph client also bounds requests per
   * tenant). A policy that fails is reported as such; the others are still captured.
   */
  async captureMany(
    graph: TenantGraph,
    refs: readonly PolicyRef[],
    concurrency = 4,
  ): Promise<CaptureOutcome[]> {
    const outcomes: CaptureOutcome[] = new Array(refs.length);
    let next = 0;
    const worker = async () => {
      while (next < refs.length) {
        const index = next++;
        const ref = refs[index]!;
        try {
          outcomes[index] = { ref, ok: true, policy: await this.capture(graph, ref) };
        } catch (error) {
          outcomes[index] = { ref, ok: false, error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, refs.length) }, worker));
    return outcomes;
  }
}
