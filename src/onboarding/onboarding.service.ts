import { Injectable } from '@nestjs/common';
import type { Principal, RecordScope } from '#libs/authz';
import { AppError } from '#libs/common/errors';
import { blockingPermissions, type GraphAccess, type GraphResource } from '#libs/graph';
import { OperationRunsService, type StartedRun } from '#libs/operation-runs';
import { TenantsService } from '#libs/tenancy';
import { OnboardingError, OnboardingErrorCode } from './onboarding.errors.js';
import { LAST_RUN_TYPES, type LastRunType } from './onboarding.run-types.js';

/** The newest run of one type, as a tenant shows it. */
export interface LastRun {
  id: string;
  status: string;
  outcome: string;
  completedAt: Date | null;
}

export type LastRuns = Record<LastRunType, LastRun | null>;

/** Starts provider connection checks; answers what a tenant's connection and runs look like. */
@Injectable()
export class OnboardingService {
  constructor(
    private readonly runs: OperationRunsService,
    private readonly tenants: TenantsService,
  ) {}

  /** `provider_connection_verify` of the tenant (active per tenant). */
  startVerify(scope: RecordScope, initiator: Principal | null): Promise<StartedRun> {
    return this.runs.start({
      type: 'provider_connection_verify',
      workspaceId: scope.workspaceId,
      tenantId: scope.tenantId!,
      inputs: {},
      initiator,
    });
  }

  /**
   * {@link startVerify} after the tenant was created or its credentials changed: the change is
   * done, so a verification that could not be queued is answered with its run (recorded as
   * `dispatch.failed`), not with an error that would hide the change.
   */
  async verifyAfterChange(
    tenant: { id: string; workspaceId: string },
    initiator: Principal,
  ): Promise<StartedRun> {
    const scope = { workspaceId: tenant.workspaceId, tenantId: tenant.id };
    try {
      return await this.startVerify(scope, initiator);
    } catch (error) {
      const runId = error instanceof AppError ? error.extensions?.runId : undefined;
      if (typeof runId !== 'string') throw error;
      return { run: await this.runs.get(runId), deduplicated: false };
    }
  }

  /**
   * The newest run of each {@link LAST_RUN_TYPES} type for each tenant, in one statement
   * (whatever the number of tenants): tenant id → its `lastRuns`.
   */
  async lastRunsOf(tenantIds: readonly string[]): Promise<Map<string, LastRuns>> {
    const empty = (): LastRuns =>
      Object.fromEntries(LAST_RUN_TYPES.map((type) => [type, null])) as LastRuns;
    const byTenant = new Map(tenantIds.map((id) => [id, empty()]));
    for (const run of await this.runs.latestOfTenants(tenantIds, LAST_RUN_TYPES)) {
      byTenant.get(run.tenantId)![run.type as LastRunType] = {
        id: run.id,
        status: run.status,
        outcome: run.outcome,
        completedAt: run.completedAt,
      };
    }
    return byTenant;
  }

  /**
   * Refuses (409 `provider.permission_missing`, naming them) a start that needs `access` to
   * these resources while the tenant's last verification found a permission for it missing.
   */
  async requirePermissions(
    tenantId: string,
    resources: readonly GraphResource[],
    access: GraphAccess,
  ): Promise<void> {
    const { connection } = await this.tenants.get(tenantId);
    const blocking = blockingPermissions(resources, access, connection.missingPermissions);
    if (!blocking.length) return;
    throw new OnboardingError(
      OnboardingErrorCode.PermissionMissing,
      `The tenant has not granted ${blocking.join(', ')}, which this needs: an admin consents to it, then verifies the connection again (POST /tenants/${tenantId}/connection/verify).`,
      undefined,
      { missingPermissions: blocking },
    );
  }
}
