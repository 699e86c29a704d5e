import { runNode } from '../support/processes.js';
import { startTestApp, testEnvironment, type TestApp } from '../support/test-app.js';

describe('scheduler-replicas', () => {
  /**
   * Several schedulers side by side, as real processes ticking the same minute: the database's
   * constraints and row locks, not a leader, make each fire one run. This app only serves HTTP, so
   * the runs stay queued (nothing here is about executing them).
   */
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ APP_ROLES: 'api' });
  });
  afterAll(() => t?.close());

  const SCHEDULES = 1200;
  const PROCESSES = 5;

  it(`${PROCESSES} scheduler processes ticking one minute make exactly one run per due schedule`, async () => {
    const { workspace, tenant } = await t.world.tenantWithMember('owner');
    // Many schedules at once are made in SQL; each owes the 10:00 fire.
    await t.db.query(
      `INSERT INTO backup_schedules (id, workspace_id, tenant_id, name, enabled, cron, timezone,
                                   keep_last, overlap_policy, next_fire_at)
     SELECT gen_random_uuid(), $1, $2, 'replica ' || g, true, '0 * * * *', 'UTC', 10, 'skip',
            '2026-07-01T10:00:00Z'
       FROM generate_series(1, $3) g`,
      [workspace.id, tenant.id, SCHEDULES],
    );
    const env = {
      ...testEnvironment(t.db.url, { LOG_LEVEL: 'warn' }),
      REDIS_PREFIX: t.config.redis.prefix,
    };
    // The same minute, seen at different seconds by each process.
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) =>
        // A generous limit: five processes boot at once on a shared 2-core machine.
        runNode(
          'dist/src/cli.js',
          ['scheduler:tick', '--now', `2026-07-01T10:00:${String(5 + i * 10).padStart(2, '0')}Z`],
          env,
          120_000,
        ),
      ),
    );
    for (const result of results) {
      // Zero errors surfaced: every process exits 0 and writes nothing on stderr.
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    }
    // A tick fires every due schedule of the database: the ones looked at are this tenant's.
    const own = new Set(
      (
        await t.db.query<{ id: string }>('SELECT id FROM backup_schedules WHERE tenant_id = $1', [
          tenant.id,
        ])
      ).map((row) => row.id),
    );
    const created = results.flatMap((result) =>
      JSON.parse(result.stdout).created.filter(
        (run: any) => run.type === 'backup_schedule_run' && own.has(run.scheduleId),
      ),
    );
    expect(created).toHaveLength(SCHEDULES);
    expect(new Set(created.map((run: any) => run.scheduleId)).size).toBe(SCHEDULES);

    const perSchedule = await t.db.query(
      `SELECT s.id, count(r.id)::int AS runs, min(r.context ->> 'scheduledFor') AS fire,
            s.next_fire_at AS "nextFireAt"
       FROM backup_schedules s
       LEFT JOIN operation_runs r ON r.context ->> 'scheduleId' = s.id::text
      WHERE s.tenant_id = $1 GROUP BY s.id`,
      [tenant.id],
    );
    expect(perSchedule).toHaveLength(SCHEDULES);
    for (const row of perSchedule) {
      expect(row).toEqual({
        id: expect.any(String),
        runs: 1,
        fire: '2026-07-01T10:00:00.000Z',
        nextFireAt: new Date('2026-07-01T11:00:00Z'),
      });
    }
    // The duties of that slot too: one sweep and one prune, whoever started them.
    expect(
      await t.db.query(
        `SELECT type, count(*)::int AS n FROM operation_runs
        WHERE workspace_id IS NULL AND context ->> 'slot' IN ('2026-07-01T10:00:00.000Z', '2026-07-01T00:00:00.000Z')
        GROUP BY type ORDER BY type`,
      ),
    ).toEqual([
      { type: 'runs_prune', n: 1 },
      { type: 'runs_sweep', n: 1 },
    ]);
  }, 150_000);
});
