import { runSoak, type SoakReport } from './soak/soak.js';

/**
 * The soak's 60-second variant (the full one is `npm run soak -- --minutes N`): 2 API, 2 worker
 * and 2 scheduler processes of the built app on a private PostgreSQL and Redis, the simulated
 * Graph answering 10% 429 and 5% 503, a mixed load — and, while it runs, a worker SIGKILLed every
 * 20 s, Redis restarted empty, PostgreSQL restarted (fast), a scheduler killed between its runs'
 * insert and its tick's commit. Every invariant must hold at the end. The load is light (two
 * virtual users) so the soak's processes leave the other jest workers the machine's cores.
 */
let report: SoakReport;

beforeAll(async () => {
  report = await runSoak({ durationMs: 60_000, users: 2, thinkMs: 300, drainMs: 150_000 });
}, 12 * 60_000);

it('injected every fault while the load ran', () => {
  const kinds = report.faults.map((fault) => fault.kind);
  expect(kinds.filter((kind) => kind === 'worker_sigkill')).toHaveLength(2);
  expect(new Set(kinds)).toEqual(
    new Set([
      'worker_sigkill',
      'redis_restart_empty',
      'postgres_restart_fast',
      'scheduler_killed_mid_tick',
    ]),
  );
  // The load started runs of every type it knows, and the scheduler fired schedules.
  expect(Object.keys(report.load.runsByType as object)).toEqual(
    expect.arrayContaining([
      'inventory_sync',
      'policy_sync',
      'entra_group_sync',
      'directory_role_definitions_sync',
      'drift_generate_findings',
      'backup_schedule_run',
      'backup_set_add_policies',
      'restore_execute',
    ]),
  );
});

it.each([
  'accepted_starts_have_runs',
  'runs_complete',
  'one_active_run_per_identity',
  'one_run_per_scheduled_fire',
  'restore_writes_once',
  'bull_jobs_have_runs',
  'counts_add_up',
  'no_secrets_in_logs',
  'api_answers_problems_never_500',
  'no_one_gets_in',
  'no_process_exits',
  'lost_jobs_dispatched_again',
])('%s', (name) => {
  const invariant = report.invariants.find((i) => i.name === name);
  // What broke it, when it does not hold, and where the processes' logs were kept.
  expect(invariant && (invariant.holds || `${invariant.detail}; logs in ${report.logs}`)).toBe(
    true,
  );
});
