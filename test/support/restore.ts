import type { Tenant } from '#libs/tenancy';
import { startAndWait, waitForRun } from './runs.js';
import { createSchedule } from './schedules.js';
import type { TestApp } from './test-app.js';

/**
 * The steps of a restore test, through the API: a backup of a tenant, the syncs a preview reads
 * (inventory, policy versions, directory groups), and a restore run made and executed.
 */
export class RestoreSteps {
  constructor(
    private readonly t: TestApp,
    /** An owner of the tenants' workspace (backup.manage, restore.execute). */
    private readonly token: string,
  ) {}

  /** A backup set of the tenant's policies (of these types; none: all), made by a backup run. */
  async backup(tenant: Tenant, policyTypes: string[] = []): Promise<any> {
    const schedule = await createSchedule(this.t, tenant.id, this.token, { policyTypes });
    const run = await startAndWait(
      this.t.http,
      this.token,
      `/tenants/${tenant.id}/backup-schedules/${schedule.id}/run`,
      {},
      60_000,
    );
    if (run.outcome !== 'succeeded') throw new Error(`backup: ${JSON.stringify(run)}`);
    const set = await this.t.http.get(
      `/tenants/${tenant.id}/backup-sets/${run.context.backupSetId}`,
      {
        token: this.token,
      },
    );
    return set.body;
  }

  /** What a preview reads: the inventory, the latest policy versions, the groups. */
  async sync(
    tenant: Tenant,
    what: ('inventory' | 'policies' | 'groups')[] = ['inventory', 'policies', 'groups'],
  ) {
    const path = {
      inventory: 'inventory/sync',
      policies: 'inventory/policies/sync',
      groups: 'directory/groups/sync',
    };
    for (const step of what) {
      const run = await startAndWait(
        this.t.http,
        this.token,
        `/tenants/${tenant.id}/${path[step]}`,
        {},
        60_000,
      );
      if (run.outcome !== 'succeeded' && run.outcome !== 'skipped') {
        throw new Error(`${step} sync: ${JSON.stringify(run)}`);
      }
    }
  }

  create(tenant: Tenant, body: Record<string, unknown>, token = this.token) {
    return this.t.http.post(`/tenants/${tenant.id}/restore-runs`, { token, body });
  }

  execute(tenant: Tenant, id: string, token = this.token) {
    return this.t.http.post(`/tenants/${tenant.id}/restore-runs/${id}/execute`, { token });
  }

  get(tenant: Tenant, id: string, token = this.token) {
    return this.t.http.get(`/tenants/${tenant.id}/restore-runs/${id}`, { token });
  }

  /** Creates the restore run (expecting 201), executes it and waits for its run. */
  async restore(
    tenant: Tenant,
    body: Record<string, unknown>,
    timeoutMs = 60_000,
  ): Promise<{ restore: any; run: any }> {
    const created = await this.create(tenant, body);
    if (created.status !== 201) throw new Error(`create: ${created.status} ${created.text}`);
    const started = await this.execute(tenant, created.body.id);
    if (started.status !== 202) throw new Error(`execute: ${started.status} ${started.text}`);
    const run = await waitForRun(this.t.http, this.token, started.body.run.id, timeoutMs);
    const restore = (await this.get(tenant, created.body.id)).body;
    return { restore, run };
  }
}
