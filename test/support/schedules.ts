import type { TestApp } from './test-app.js';

/** A schedule made through the API; `body` overrides the defaults (hourly, UTC, one policy type). */
export async function createSchedule(
  t: TestApp,
  tenantId: string,
  token: string,
  body: Record<string, unknown> = {},
): Promise<any> {
  const response = await t.http.post(`/tenants/${tenantId}/backup-schedules`, {
    token,
    body: {
      name: 'Test schedule',
      cron: '0 * * * *',
      timezone: 'UTC',
      policyTypes: ['enrollment_configuration'],
      ...body,
    },
  });
  if (response.status !== 201)
    throw new Error(`create schedule: ${response.status} ${response.text}`);
  return response.body;
}

/**
 * Makes the schedule owe its fires from `from` on, as if it had been created (or last fired)
 * then: the tests' clock (`--now`) may be anywhere, the schedule was made at the real now.
 */
export async function oweFiresFrom(t: TestApp, scheduleId: string, from: string): Promise<void> {
  await t.db.query(`UPDATE backup_schedules SET next_fire_at = $2 WHERE id = $1`, [
    scheduleId,
    from,
  ]);
}

/**
 * The schedule's backup runs, oldest first, straight from operation_runs — not the retention
 * runs they start, which name the schedule too and appear whenever a backup run has finished.
 */
export function runsOfSchedule(t: TestApp, scheduleId: string): Promise<any[]> {
  return t.db.query(
    `SELECT id, type, status, outcome, failures, context, identity_scope AS "identityScope"
       FROM operation_runs
      WHERE context ->> 'scheduleId' = $1 AND type = 'backup_schedule_run' ORDER BY id`,
    [scheduleId],
  );
}
