import { Cluster } from 'ioredis';
import { eventually } from '../support/eventually.js';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { runCli } from '../support/processes.js';
import { startAndWait, waitForRun } from '../support/runs.js';
import { createSchedule, oweFiresFrom } from '../support/schedules.js';
import { testEnvironment, type TestApp } from '../support/test-app.js';
import { startPrivateRedisCluster, type PrivateRedisCluster } from '../soak/servers.js';

describe('redis-cluster', () => {
  /**
   * The app unchanged on a Redis Cluster of three primaries started here (`redis-server
   * --cluster-enabled yes`, joined by `redis-cli --cluster create`): only REDIS_CLUSTER_NODES is set.
   * Bull's keys are hash-tagged by the prefix, so each queue's Lua scripts and MULTIs touch one slot.
   */
  let cluster: PrivateRedisCluster;
  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;

  beforeAll(async () => {
    cluster = await startPrivateRedisCluster(3);
    // Nothing points at the suite's own Redis: an unreachable REDIS_URL proves it is not used.
    ({ sim, t, close } = await startAppWithSim({
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_CLUSTER_NODES: cluster.nodes,
    }));
  }, 120_000);
  afterAll(async () => {
    await close?.();
    await cluster?.remove();
  });

  const keysOnCluster = async (pattern: string) => {
    const client = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0]! }]);
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const keys = await Promise.all(
        client.nodes('master').map((node) => node.keys(pattern) as Promise<string[]>),
      );
      return keys.flat();
    } finally {
      client.disconnect();
    }
  };

  it('is ready, runs and deduplicates runs with its queues on the cluster', async () => {
    // Ready as a load balancer sees it: the probe answers 200 once its checks (1-s timeouts) pass,
    // which on a loaded machine may take a few probes after the start.
    expect(
      await eventually(async () => (await t.http.get('/health/ready')).status === 200, 30_000),
    ).toBe(true);
    const workspace = await t.world.workspace();
    const owner = await workspace.member('owner');
    const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });

    // A run end to end: created, queued on the cluster, executed by the worker, against the sim.
    const run = await startAndWait(t.http, owner.token, `/tenants/${tenant.id}/inventory/sync`);
    expect(run).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    expect(sim.tenant(tenant.entraTenantId).requests.length).toBeGreaterThan(0);

    // Identical starts: one run, one bulk add (a MULTI on the queue's slot). Graph answers slowly
    // until all are answered, so the run is still active for the last of them even when a loaded
    // machine spreads the ten over several batches (a finished run would rightly start a new one).
    await sim.control.faults(tenant.entraTenantId, { latencyMs: 5_000 });
    const starts = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.http.post(`/tenants/${tenant.id}/directory/groups/sync`, { token: owner.token }),
      ),
    );
    await sim.control.clearFaults(tenant.entraTenantId);
    const ids = new Set(starts.map((answer) => answer.body.run.id));
    expect(ids.size).toBe(1);
    expect(starts.filter((answer) => answer.status === 202)).toHaveLength(1);
    expect(await waitForRun(t.http, owner.token, [...ids][0]!, 30_000)).toMatchObject({
      outcome: 'succeeded',
    });

    // Every key Bull made carries the hash tag, so a queue's keys share one slot.
    const prefix = t.config.redis.prefix;
    const keys = await keysOnCluster(`*${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((key) => key.startsWith(`{${prefix}}:`))).toBe(true);
  }, 120_000);

  it('takes the scheduler’s bulk adds from another process on the same cluster', async () => {
    const workspace = await t.world.workspace();
    const owner = await workspace.member('owner');
    const tenant = await workspace.tenant({ clientSecret: SIM_CLIENT_SECRET });
    const schedule = await createSchedule(t, tenant.id, owner.token);
    await oweFiresFrom(t, schedule.id, '2026-07-01T10:00:00Z');
    const env = {
      ...testEnvironment(t.db.url, { LOG_LEVEL: 'warn' }),
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_CLUSTER_NODES: cluster.nodes,
      REDIS_PREFIX: t.config.redis.prefix,
    };
    const tick = await runCli(['scheduler:tick', '--now', '2026-07-01T10:00:30Z'], env);
    expect({ code: tick.code, stderr: tick.stderr }).toEqual({ code: 0, stderr: '' });
    const fired = JSON.parse(tick.stdout).created.find(
      (created: any) => created.scheduleId === schedule.id,
    );
    expect(fired).toMatchObject({ type: 'backup_schedule_run', scheduledFor: expect.any(String) });
    // The worker of this app takes the job the CLI queued, from the cluster.
    expect(await waitForRun(t.http, owner.token, fired.id, 60_000)).toMatchObject({
      status: 'completed',
      outcome: 'succeeded',
    });
  }, 180_000);
});
