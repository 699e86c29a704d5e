import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from './support/graph-sim.js';
import { RestoreSteps } from './support/restore.js';
import type { TestApp } from './support/test-app.js';

let sim: TestSim;
let t: TestApp;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ sim, t, close } = await startAppWithSim());
});
afterAll(() => close?.());

it('smoke', async () => {
  const workspace = await t.world.workspace();
  const owner = await workspace.member('owner');
  const steps = new RestoreSteps(t, owner.token);
  const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
  await sim.control.sizes(tenant.entraTenantId, { policies: 2 });
  const set = await steps.backup(tenant);
  console.log(set.itemCount, JSON.stringify(set.items[0]).slice(0, 1500));
  const victims = set.items.filter((i: any) => i.policyType === 'device_configuration');
  for (const v of victims) await sim.control.remove(tenant.entraTenantId, 'deviceConfigurations', v.policyId);
  await steps.sync(tenant);
  const created = await steps.create(tenant, { sourceBackupSetId: set.id, includeAssignments: false });
  console.log(created.status, JSON.stringify({ ...created.body, items: created.body.items?.slice(0, 3) }, null, 1).slice(0, 4000));
  const started = await steps.execute(tenant, created.body.id);
  console.log(started.status, JSON.stringify(started.body).slice(0, 500));
  const { waitForRun } = await import('./support/runs.js');
  const run = await waitForRun(t.http, owner.token, started.body.run.id, 30000);
  console.log(JSON.stringify(run, null, 1));
  const after = await steps.get(tenant, created.body.id);
  console.log(JSON.stringify({ ...after.body, items: after.body.items.filter((i: any) => i.action !== 'unchanged') }, null, 1).slice(0, 5000));
}, 120000);
