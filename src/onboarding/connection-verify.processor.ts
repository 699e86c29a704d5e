import { Logger } from '@nestjs/common';
import { RecordNotFoundError } from '#libs/common/errors';
import {
  GraphClient,
  GraphError,
  GraphUnauthorizedError,
  isAllowed,
  missingPermissions,
  type GraphResource,
  type TenantGraph,
} from '#libs/graph';
import { HandlesRun, RunSkipped, type RunContext, type RunHandler } from '#libs/operation-runs';
import { TenantsService, type Tenant } from '#libs/tenancy';
import {
  CheckCode,
  notTried,
  permissionChecks,
  readCheck,
  resourceFamilies,
  tokenRefusedCheck,
  type ConnectionCheck,
} from './connection-checks.js';

/** Rounds a verification makes when the credentials change under it (each round checks anew). */
const ROUNDS = 3;

/**
 * `provider_connection_verify`: a token with the tenant's credentials (asked for now, not cached),
 * the application permissions it carries (`roles`) against what each Graph contract entry needs,
 * then one cheap read per resource family. The checks go in the run (`context.checks`, counted
 * `passed`/`failed`/`skipped`) and the result on the tenant (`connection`), recorded only if the
 * credentials are still the ones checked — else the round is made again with the new ones.
 *
 * Graph throttled or unavailable ends the attempt (Bull retries it): an outage says nothing about
 * the connection, and never turns a verified tenant into a failed one.
 */
@HandlesRun('provider_connection_verify')
export class ConnectionVerifyProcessor implements RunHandler<'provider_connection_verify'> {
  private readonly logger = new Logger(ConnectionVerifyProcessor.name);

  constructor(
    private readonly graph: GraphClient,
    private readonly tenants: TenantsService,
  ) {}

  async execute(run: RunContext<'provider_connection_verify'>): Promise<void> {
    const tenantId = run.run.tenantId!;
    for (let round = 1; round <= ROUNDS; round++) {
      const tenant = await this.tenant(tenantId);
      // A TenantGraph loads the credentials on first use: after this read of when they changed.
      const { checks, missing } = await this.check(this.graph.forTenant(tenantId));
      run.throwIfInterrupted();
      const failed = checks.filter((check) => check.status === 'failed');
      const recorded = await this.tenants.recordConnection(tenantId, tenant.credentialsChangedAt, {
        status: failed.length ? 'failed' : 'verified',
        checkedAt: new Date(),
        runId: run.runId,
        missingPermissions: missing,
      });
      if (!recorded && round < ROUNDS) continue;
      this.report(run, checks, missing);
      this.logger.log(
        { ...run.logFields, failed: failed.map((check) => check.code), recorded },
        'Provider connection checked',
      );
      return;
    }
  }

  private async tenant(tenantId: string): Promise<Tenant> {
    try {
      return await this.tenants.get(tenantId);
    } catch (error) {
      if (error instanceof RecordNotFoundError) {
        throw new RunSkipped('tenant.not_found', 'The tenant is no longer managed.');
      }
      throw error;
    }
  }

  private async check(
    graph: TenantGraph,
  ): Promise<{ checks: ConnectionCheck[]; missing: string[] }> {
    let granted: Set<string>;
    try {
      granted = new Set(await graph.grantedPermissions());
    } catch (error) {
      if (!(error instanceof GraphUnauthorizedError)) throw error;
      const untried = 'Not checked: no token was issued.';
      return {
        checks: [
          tokenRefusedCheck(error),
          ...permissionChecks(new Set()).map((check) =>
            notTried(check.name, CheckCode.NoToken, untried),
          ),
          ...resourceFamilies().map((family) =>
            notTried(`read:${family.resources[0]}`, CheckCode.NoToken, untried),
          ),
        ],
        // Unknown until a token says: nothing is recorded as missing.
        missing: [],
      };
    }
    const checks: ConnectionCheck[] = [
      {
        name: 'token',
        status: 'passed',
        code: null,
        detail: `Issued, carrying ${granted.size} application permission(s).`,
        nextStep: null,
      },
      ...permissionChecks(granted),
    ];
    for (const family of resourceFamilies()) {
      if (!family.resources.every((resource) => isAllowed(resource, 'read', granted))) {
        checks.push(
          notTried(
            `read:${family.resources[0]}`,
            CheckCode.PermissionMissing,
            `Not tried: ${family.permission} is not granted.`,
          ),
        );
        continue;
      }
      checks.push(readCheck(family, await this.probe(graph, family.resources[0]!)));
    }
    return { checks, missing: missingPermissions(granted, 'read') };
  }

  /** The probe's error when Graph refused it for this tenant; retryable errors end the attempt. */
  private async probe(graph: TenantGraph, resource: GraphResource): Promise<GraphError | null> {
    try {
      await graph.probe(resource);
      return null;
    } catch (error) {
      if (error instanceof GraphError && !error.retryable) return error;
      throw error;
    }
  }

  private report(
    run: RunContext<'provider_connection_verify'>,
    checks: ConnectionCheck[],
    missing: string[],
  ): void {
    for (const check of checks) {
      run.increment('total');
      run.increment(check.status === 'passed' ? 'succeeded' : check.status);
      if (check.status === 'failed') run.fail(check.name, check.code!, check.detail);
    }
    run.setContext({ checks, missingPermissions: missing });
  }
}
