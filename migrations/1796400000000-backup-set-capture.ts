import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A scheduled backup writes its items page by page as it captures them (a worker runs 64 backups
 * at once: holding every policy of each until the end was most of its memory). Until its run
 * seals it, the set is `capturing`: no read, retention or restore sees it. A run that fails or is
 * skipped deletes its set; one whose worker died leaves it, and the purge deletes it once the run
 * is over.
 */
export class BackupSetCapture1796400000000 implements MigrationInterface {
  name = 'BackupSetCapture1796400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE backup_sets ADD COLUMN capturing boolean NOT NULL DEFAULT false;
      CREATE INDEX backup_sets_capturing_idx ON backup_sets (workspace_id) WHERE capturing;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DELETE FROM backup_sets WHERE capturing;
      DROP INDEX backup_sets_capturing_idx;
      ALTER TABLE backup_sets DROP COLUMN capturing;
    `);
  }
}
