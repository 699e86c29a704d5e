import pg from 'pg';
import { RunDispatcher } from '../../libs/operation-runs/run-dispatcher.js';
import type { Tenant } from '#libs/tenancy';
import { SchedulerService } from '../../src/scheduler/index.js';
import { eventually } from '../support/eventually.js';
import { SIM_CLIENT_SECRET, startAppWithSim, type TestSim } from '../support/graph-sim.js';
import { runNode } from '../support/processes.js';
import { waitForRun, waitForStatus } from '../support/runs.js';
import { createSchedule, oweFiresFrom, runsOfSchedule } from '../support/schedules.js';
import { testEnvironment, type TestApp } from '../support/test-app.js';
import type { TestUser, WorkspaceBuilder } from '../support/world.js';

describe('scheduler', () => {
  /**
   * The scheduler's semantics (SPEC §4), ticked with an explicit clock against the simulated Graph.
   *
   * A tick fires every due schedule of the database, and the tests' clocks go back and forth: each
   * test has its own workspace, stops its schedules when it ends (or a later test's tick would fire
   * them again) and waits for the runs they started, so that no test's runs are made, or still
   * running, during another test.
   */
  let sim: TestSim;
  let t: TestApp;
  let close: () => Promise<void>;
  let workspace: WorkspaceBuilder;
  let owner: TestUser;

  beforeAll(async () => {
    ({ sim, t, close } = await startAppWithSim());
  });
  afterAll(() => close?.());

  beforeEach(async () => {
    workspace = await t.world.workspace();
    owner = await workspace.member('owner');
  });

  afterEach(async () => {
    const schedules = await t.db.query<{ id: string; tenantId: string }>(
      `SELECT id, tenant_id AS "tenantId" FROM backup_schedules
      WHERE workspace_id = $1 AND deleted_at IS NULL`,
      [workspace.id],
    );
    for (const schedule of schedules) await stop(schedule.tenantId, schedule.id);
    // The workspace's runs (backups, the retention and purge runs they start) and the system runs
    // (sweep, prune) that the ticks started.
    const active = () =>
      t.db.query(
        `SELECT id, type, status FROM operation_runs
        WHERE (workspace_id = $1 OR workspace_id IS NULL) AND status <> 'completed'`,
        [workspace.id],
      );
    if (!(await eventually(async () => (await active()).length === 0, 30_000)))
      throw new Error(`Runs still active after the test: ${JSON.stringify(await active())}`);
  }, 60_000);

  /** Deletes the schedule through the API, which stops it: no later tick fires it. */
  async function stop(tenantId: string, scheduleId: string): Promise<void> {
    const response = await t.http.delete(`/tenants/${tenantId}/backup-schedules/${scheduleId}`, {
      token: owner.token,
    });
    if (response.status !== 204)
      throw new Error(`stop schedule: ${response.status} ${response.text}`);
  }

  /** A tenant of the test's workspace that signs in to the sim, with few policies (fast backups). */
  async function tenant(clientSecret = SIM_CLIENT_SECRET): Promise<Tenant> {
    const made = await workspace.tenant({ clientSecret });
    await sim.control.sizes(made.entraTenantId, { policies: 2 });
    return made;
  }

  const tick = (at: string) => t.app.get(SchedulerService).tick(new Date(at));
  /** The schedule's fires so far: its backup runs' scheduled times. */
  const firesOf = async (scheduleId: string) =>
    (await runsOfSchedule(t, scheduleId)).map((run) => run.context.scheduledFor);

  describe('scheduler:tick', () => {
    it('creates the due fire once, with strict identity and its context; later ticks add nothing', async () => {
      const { id: tenantId } = await tenant();
      const schedule = await createSchedule(t, tenantId, owner.token);
      await oweFiresFrom(t, schedule.id, '2026-06-01T09:30:00Z');
      const env = {
        ...testEnvironment(t.db.url, { LOG_LEVEL: 'warn' }),
        REDIS_PREFIX: t.config.redis.prefix,
      };
      const cli = await runNode(
        'dist/src/cli.js',
        ['scheduler:tick', '--now', '2026-06-01T10:00:20Z'],
        env,
      );
      expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(cli.stdout);
      expect(report.now).toBe('2026-06-01T10:00:20.000Z');
      expect(report.created.filter((run: any) => run.scheduleId === schedule.id)).toEqual([
        {
          id: expect.any(String),
          type: 'backup_schedule_run',
          status: 'queued',
          scheduleId: schedule.id,
          scheduledFor: '2026-06-01T10:00:00.000Z',
          missedFires: 0,
        },
      ]);
      const [row] = await runsOfSchedule(t, schedule.id);
      expect(row).toMatchObject({ identityScope: 'strict' });
      const run = await waitForRun(t.http, owner.token, row.id);
      expect(run).toMatchObject({
        outcome: 'succeeded',
        initiator: null,
        context: {
          scheduleId: schedule.id,
          scheduledFor: '2026-06-01T10:00:00.000Z',
          missedFires: 0,
          backupSetId: expect.any(String),
        },
      });

      // The same minute again: nothing is owed any more.
      await tick('2026-06-01T10:00:50Z');
      // As if a scheduler had died after starting the run but before moving the schedule on:
      // the fire is owed again, and its run is found, not made twice.
      await oweFiresFrom(t, schedule.id, '2026-06-01T10:00:00Z');
      const again = await tick('2026-06-01T10:00:59Z');
      expect(again.created.filter((r) => r.scheduleId === schedule.id)).toEqual([]);
      expect(again.deduplicated).toBeGreaterThanOrEqual(1);
      expect(await firesOf(schedule.id)).toEqual(['2026-06-01T10:00:00.000Z']);
    }, 150_000); // a CLI process boots: tens of seconds on a loaded machine

    it('runs only the latest fire after downtime, counting the missed ones', async () => {
      const { id: tenantId } = await tenant();
      const schedule = await createSchedule(t, tenantId, owner.token, { cron: '0 * * * *' });
      await oweFiresFrom(t, schedule.id, '2026-06-02T10:00:00Z');
      // Down from 09:30 to 12:30: the 10:00 and 11:00 fires were missed.
      await tick('2026-06-02T12:30:00Z');
      const runs = await runsOfSchedule(t, schedule.id);
      expect(runs.map((run) => run.context)).toEqual([
        expect.objectContaining({ scheduledFor: '2026-06-02T12:00:00.000Z', missedFires: 2 }),
      ]);
      const [row] = await t.db.query(`SELECT next_fire_at FROM backup_schedules WHERE id = $1`, [
        schedule.id,
      ]);
      expect((row.next_fire_at as Date).toISOString()).toBe('2026-06-02T13:00:00.000Z');
      await waitForRun(t.http, owner.token, runs[0].id);
    });

    it('fires a schedule while a backup set of it is being written', async () => {
      const made = await tenant();
      const schedule = await createSchedule(t, made.id, owner.token);
      await oweFiresFrom(t, schedule.id, '2026-06-02T14:00:00Z');
      // A set of the schedule inserted in a transaction still open, as a capture writes it: its
      // foreign key holds a key-share lock on the schedule's row until the transaction ends.
      const writer = new pg.Client({ connectionString: t.db.url });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        await writer.query(
          `INSERT INTO backup_sets (id, workspace_id, tenant_id, schedule_id, name, capturing)
         VALUES (gen_random_uuid(), $1, $2, $3, 'being written', true)`,
          [workspace.id, made.id, schedule.id],
        );
        await tick('2026-06-02T14:00:10Z');
      } finally {
        await writer.query('ROLLBACK');
        await writer.end();
      }
      const runs = await runsOfSchedule(t, schedule.id);
      expect(runs.map((run) => run.context.scheduledFor)).toEqual(['2026-06-02T14:00:00.000Z']);
      await waitForRun(t.http, owner.token, runs[0].id);
    });
  });

  describe('fire times across DST, as ticks create them', () => {
    /** Ticks a minute before and at each expected fire: nothing, then exactly that fire. */
    async function expectFires(cron: string, timezone: string, from: string, expected: string[]) {
      const { id: tenantId } = await tenant();
      const schedule = await createSchedule(t, tenantId, owner.token, { cron, timezone });
      await oweFiresFrom(t, schedule.id, from);
      for (const [index, fire] of expected.entries()) {
        await tick(new Date(Date.parse(fire) - 60_000).toISOString());
        expect(await firesOf(schedule.id)).toHaveLength(index);
        await tick(fire);
        expect(await firesOf(schedule.id)).toEqual(
          expected.slice(0, index + 1).map((f) => new Date(f).toISOString()),
        );
        // Each fire's backup runs (and succeeds) like any other, before the next day's.
        const latest = (await runsOfSchedule(t, schedule.id)).at(-1);
        expect((await waitForRun(t.http, owner.token, latest.id)).outcome).toBe('succeeded');
      }
      // Stopped, so that a later call's ticks (other dates) do not fire it too.
      await stop(tenantId, schedule.id);
    }

    it('Europe/Berlin 02:30 daily across 2026-03-29: one fire a day, the missing 02:30 at 03:30 CEST', () =>
      expectFires('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', [
        '2026-03-28T01:30:00Z',
        '2026-03-29T01:30:00Z',
        '2026-03-30T00:30:00Z',
      ]));

    it('Europe/Berlin 02:30 daily across 2026-10-25: the repeated 02:30 fires once, the first time', () =>
      expectFires('30 2 * * *', 'Europe/Berlin', '2026-10-23T12:00:00Z', [
        '2026-10-24T00:30:00Z',
        '2026-10-25T00:30:00Z',
        '2026-10-26T01:30:00Z',
      ]));

    it('America/New_York across both transitions of 2026', async () => {
      await expectFires('30 2 * * *', 'America/New_York', '2026-03-06T12:00:00Z', [
        '2026-03-07T07:30:00Z',
        '2026-03-08T07:30:00Z',
        '2026-03-09T06:30:00Z',
      ]);
      await expectFires('30 1 * * *', 'America/New_York', '2026-10-30T12:00:00Z', [
        '2026-10-31T05:30:00Z',
        '2026-11-01T05:30:00Z',
        '2026-11-02T06:30:00Z',
      ]);
    });
  });

  describe('a fire that should not run when it executes', () => {
    /** Holds this process's worker back from the backup queue while `work` runs. */
    async function withWorkerPaused(work: () => Promise<void>): Promise<void> {
      const queue = t.app.get(RunDispatcher).queue('backups');
      await queue.pause(true);
      try {
        await work();
      } finally {
        await queue.resume(true);
      }
    }

    it('is skipped with schedule.overlap while the previous run is active (policy skip)', async () => {
      const made = await tenant();
      const schedule = await createSchedule(t, made.id, owner.token, { overlapPolicy: 'skip' });
      // The previous run: a manual one, kept running by a slow Graph (each request 5 s).
      await sim.control.faults(made.entraTenantId, { latencyMs: 5000 });
      const manual = await t.http.post(`/tenants/${made.id}/backup-schedules/${schedule.id}/run`, {
        token: owner.token,
      });
      await waitForStatus(t.http, owner.token, manual.body.run.id, 'running');
      await oweFiresFrom(t, schedule.id, '2026-06-03T10:00:00Z');
      await tick('2026-06-03T10:00:10Z');
      const fire = (await runsOfSchedule(t, schedule.id)).find((run) => run.context.scheduledFor);
      const skipped = await waitForRun(t.http, owner.token, fire.id);
      expect(skipped).toMatchObject({
        outcome: 'skipped',
        failures: [
          {
            code: 'schedule.overlap',
            message: expect.stringContaining(manual.body.run.id),
          },
        ],
      });
      await sim.control.clearFaults(made.entraTenantId);
      await t.http.post(`/operations/${manual.body.run.id}/cancel`, { token: owner.token });
      await waitForRun(t.http, owner.token, manual.body.run.id);
    });

    it('runs alongside the active previous run when the policy is allow', async () => {
      const made = await tenant();
      const schedule = await createSchedule(t, made.id, owner.token, { overlapPolicy: 'allow' });
      await withWorkerPaused(async () => {
        await oweFiresFrom(t, schedule.id, '2026-06-03T10:00:00Z');
        await tick('2026-06-03T10:00:10Z');
        await tick('2026-06-03T11:00:10Z');
      });
      const runs = await runsOfSchedule(t, schedule.id);
      expect(runs).toHaveLength(2);
      for (const run of runs)
        expect((await waitForRun(t.http, owner.token, run.id)).outcome).toBe('succeeded');
    });

    it('is skipped with schedule.disabled when the schedule was disabled after the fire', async () => {
      const { id: tenantId } = await tenant();
      const schedule = await createSchedule(t, tenantId, owner.token);
      await withWorkerPaused(async () => {
        await oweFiresFrom(t, schedule.id, '2026-06-04T10:00:00Z');
        await tick('2026-06-04T10:00:10Z');
        const patched = await t.http.patch(`/tenants/${tenantId}/backup-schedules/${schedule.id}`, {
          token: owner.token,
          body: { enabled: false },
        });
        expect(patched.body).toMatchObject({ enabled: false, nextFireAt: null });
      });
      const [run] = await runsOfSchedule(t, schedule.id);
      expect(await waitForRun(t.http, owner.token, run.id)).toMatchObject({
        outcome: 'skipped',
        failures: [{ code: 'schedule.disabled' }],
      });
      // Disabled: later ticks owe it nothing.
      await tick('2026-06-04T14:00:10Z');
      expect(await runsOfSchedule(t, schedule.id)).toHaveLength(1);
    });

    it('is skipped with schedule.deleted when the schedule was deleted after the fire', async () => {
      const { id: tenantId } = await tenant();
      const schedule = await createSchedule(t, tenantId, owner.token);
      await withWorkerPaused(async () => {
        await oweFiresFrom(t, schedule.id, '2026-06-04T10:00:00Z');
        await tick('2026-06-04T10:00:10Z');
        const deleted = await t.http.delete(
          `/tenants/${tenantId}/backup-schedules/${schedule.id}`,
          {
            token: owner.token,
          },
        );
        expect(deleted.status).toBe(204);
      });
      const [run] = await runsOfSchedule(t, schedule.id);
      expect(await waitForRun(t.http, owner.token, run.id)).toMatchObject({
        outcome: 'skipped',
        failures: [{ code: 'schedule.deleted' }],
      });
    });

    it('is skipped with provider.connection_failed when the tenant cannot sign in', async () => {
      const { id: tenantId } = await tenant('not-the-secret-the-sim-knows');
      const schedule = await createSchedule(t, tenantId, owner.token);
      await oweFiresFrom(t, schedule.id, '2026-06-05T10:00:00Z');
      await tick('2026-06-05T10:00:10Z');
      const [run] = await runsOfSchedule(t, schedule.id);
      expect(await waitForRun(t.http, owner.token, run.id)).toMatchObject({
        outcome: 'skipped',
        failures: [
          { code: 'provider.connection_failed', message: expect.stringContaining('AADSTS') },
        ],
      });
    });
  });

  describe('after scheduled runs', () => {
    it('retention keeps exactly keepLast sets, and the daily purge deletes the expired ones', async () => {
      // The purge is per workspace: the test's own, so that no other test's sets are counted.
      const { id: tenantId } = await tenant();
      // Fires at 10, 11 and 12 only: an hourly schedule would fire again on the purge's tick (the
      // next day), and that fire's retention, racing the purge, would expire a second set for it.
      const schedule = await createSchedule(t, tenantId, owner.token, {
        cron: '0 10-12 * * *',
        keepLast: 2,
      });
      await oweFiresFrom(t, schedule.id, '2026-06-06T10:00:00Z');
      const setIds: string[] = [];
      for (const hour of ['10', '11', '12']) {
        await tick(`2026-06-06T${hour}:00:10Z`);
        const fire = (await runsOfSchedule(t, schedule.id)).at(-1);
        const done = await waitForRun(t.http, owner.token, fire.id);
        expect(done.outcome).toBe('succeeded');
        setIds.push(done.context.backupSetId);
        const retention = await waitForRun(t.http, owner.token, done.context.retentionRunId);
        expect(retention).toMatchObject({
          type: 'backup_schedule_retention',
          outcome: 'succeeded',
          context: { scheduleId: schedule.id, keepLast: 2 },
          summaryCounts: { expired: hour === '12' ? 1 : 0 },
        });
      }
      const sets = await t.http.get(`/tenants/${tenantId}/backup-sets`, { token: owner.token });
      expect(sets.body.items.map((s: any) => s.id)).toEqual([setIds[2], setIds[1]]);

      const purgeTick = await tick('2026-06-07T00:00:30Z');
      expect(purgeTick.created.filter((r) => r.scheduleId === schedule.id)).toEqual([]);
      // (The purge is a daily duty: the first tick of the day starts one per workspace holding
      // expired sets; this workspace's is the one looked at.)
      const purges = await t.db.query<{ id: string }>(
        `SELECT id FROM operation_runs WHERE id = ANY($1) AND workspace_id = $2`,
        [
          purgeTick.created.filter((r) => r.type === 'backup_schedule_purge').map((r) => r.id),
          workspace.id,
        ],
      );
      expect(purges).toHaveLength(1);
      expect(await waitForRun(t.http, owner.token, purges[0]!.id)).toMatchObject({
        outcome: 'succeeded',
        workspaceId: workspace.id,
        summaryCounts: { deleted: 1 },
      });
      expect(
        await t.db.query(`SELECT id FROM backup_sets WHERE id = ANY($1) ORDER BY created_at`, [
          setIds,
        ]),
      ).toEqual([{ id: setIds[1] }, { id: setIds[2] }]);
      // The runs that made the expired set stay readable.
      const first = (await runsOfSchedule(t, schedule.id))[0];
      expect((await t.http.get(`/operations/${first.id}`, { token: owner.token })).status).toBe(
        200,
      );
    });

    it('starts the liveness sweep and pruning as system runs, once per slot', async () => {
      const first = await tick('2026-06-08T10:00:00Z');
      const second = await tick('2026-06-08T10:04:59Z');
      const duties = (report: typeof first) =>
        report.created.filter((r) => r.type === 'runs_sweep' || r.type === 'runs_prune');
      expect(
        duties(first)
          .map((r) => r.type)
          .sort(),
      ).toEqual(['runs_prune', 'runs_sweep']);
      expect(duties(second)).toEqual([]);
      expect(duties(await tick('2026-06-08T10:05:00Z')).map((r) => r.type)).toEqual(['runs_sweep']);
      const rows = await t.db.query(
        `SELECT type, workspace_id, outcome, context FROM operation_runs WHERE id = ANY($1)`,
        [duties(first).map((r) => r.id)],
      );
      expect(rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'runs_sweep',
            workspace_id: null,
            context: { slot: '2026-06-08T10:00:00.000Z' },
          }),
        ]),
      );
      // Nobody sees system runs through the API.
      expect(
        (await t.http.get(`/operations/${duties(first)[0]!.id}`, { token: owner.token })).status,
      ).toBe(404);
    });
  });
});
