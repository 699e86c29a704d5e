import fc from 'fast-check';
import { GraphClient, type CreatableResource } from '#libs/graph';
import {
  contentHash,
  POLICY_TYPE_NAMES,
  POLICY_TYPES,
  PolicyCaptureService,
  PolicySecretCipher,
  PolicyWrites,
  writableView,
  type CapturedPolicy,
} from '#libs/policies';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import type { TestApp } from '../support/test-app.js';
import type { WorkspaceBuilder } from '../support/world.js';

describe('policy-round-trip', () => {
  /**
   * The round trip a restore relies on, over generated tenants (several `@odata.type`s per policy
   * collection, nested values, encrypted OMA-URI settings, ADMX values): capture a policy, turn the
   * capture into a create body, have the simulated Graph — which refuses what Intune refuses —
   * accept it, capture the new policy, and get the same normalised content hash.
   */
  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let workspace: WorkspaceBuilder;

  beforeAll(async () => {
    ({ sim, t, close } = await startAppWithSim());
    workspace = await t.world.workspace();
  });
  afterAll(() => close?.());

  /** The policy's content hash without its assignments (the copy is not assigned). */
  const contentOf = (policy: CapturedPolicy) =>
    contentHash(writableView(policy.policyType, policy.content));

  it('capture → create body → accepted → capture again keeps the content hash, for every policy type', async () => {
    const capture = t.app.get(PolicyCaptureService);
    const cipher = t.app.get(PolicySecretCipher);
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.uuid(), fc.integer({ min: 1, max: 3 }), async (entraTenantId, size) => {
        const tenant = await workspace.tenant({ entraTenantId, clientSecret: SIM_CLIENT_SECRET });
        await sim.control.sizes(entraTenantId, { policies: size });
        const graph = t.app.get(GraphClient).forTenant(tenant.id);
        const writes = new PolicyWrites((secret) => cipher.open(secret, tenant.id));
        for (const policyType of POLICY_TYPE_NAMES) {
          const resource = POLICY_TYPES[policyType].resource as CreatableResource;
          for (const item of await graph.listAll(resource)) {
            const original = await capture.capture(graph, { policyType, graphId: item.id });
            if (
              policyType === 'enrollment_configuration' &&
              !original.content.properties.priority
            ) {
              continue; // a default: Intune has one per tenant, it is updated, never created
            }
            seen.add(String(original.content.properties['@odata.type'] ?? policyType));
            const { body, related } = writes.create(
              policyType,
              original.content,
              original.displayName,
            );
            const created = await graph.create(resource, body);
            for (const value of related) {
              await graph.createRelated(resource, created.id, value.related, value.body);
            }
            const again = await capture.capture(graph, { policyType, graphId: created.id });
            expect({ policyType, hash: contentOf(again) }).toEqual({
              policyType,
              hash: contentOf(original),
            });
          }
        }
      }),
      { numRuns: 4, seed: 20261201 },
    );
    // The generated tenants spread each collection over several Graph types.
    expect(seen.size).toBeGreaterThan(POLICY_TYPE_NAMES.length);
  });
});
