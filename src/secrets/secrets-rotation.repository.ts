import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SECRET_MARK } from '#libs/policies';

/** A captured policy (a version, or an item of a backup set) holding at least one secret. */
export interface CapturedPolicyRow {
  /** The version's id, or `<backup set id>/<policy type>/<policy id>` for a backup set item. */
  key: string;
  tenantId: string;
  policyType: string;
  content: unknown;
  assignments: unknown;
  contentHash: string;
}

const HOLDS_SECRET = `content::text LIKE '%"${SECRET_MARK}": {%'`;

/**
 * The captured policy content `secrets:rotate` re-seals: policy versions and backup set items
 * that hold a captured secret (sealed, not `null`). Every rewrite is conditional on the content
 * hash it read, in a transaction marked as the rotation (the only change a policy version allows).
 */
@Injectable()
export class SecretsRotationRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async versionsAfter(after: string | null, limit: number): Promise<CapturedPolicyRow[]> {
    return this.db.query(
      `SELECT id::text AS key, tenant_id AS "tenantId", policy_type AS "policyType", content,
              assignments, content_hash AS "contentHash"
         FROM policy_versions
        WHERE ${HOLDS_SECRET} AND ($1::uuid IS NULL OR id > $1)
        ORDER BY id LIMIT $2`,
      [after, limit],
    );
  }

  async backupItemsAfter(after: string | null, limit: number): Promise<CapturedPolicyRow[]> {
    return this.db.query(
      `SELECT i.backup_set_id || '/' || i.policy_type || '/' || i.policy_id AS key,
              s.tenant_id AS "tenantId", i.policy_type AS "policyType", i.content, i.assignments,
              i.content_hash AS "contentHash"
         FROM backup_set_items i JOIN backup_sets s ON s.id = i.backup_set_id
        WHERE ${HOLDS_SECRET.replace('content', 'i.content')}
          AND ($1::text IS NULL OR i.backup_set_id || '/' || i.policy_type || '/' || i.policy_id > $1)
        ORDER BY key LIMIT $2`,
      [after, limit],
    );
  }

  /** Rewrites one row's content and hash if its hash is still `previousHash`. */
  async replaceContent(
    kind: 'version' | 'backup_item',
    row: CapturedPolicyRow,
    content: unknown,
    contentHash: string,
  ): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      await manager.query(`SET LOCAL tenantops.secrets_rotation = 'on'`);
      const [, count]: [unknown, number] =
        kind === 'version'
          ? await manager.query(
              `UPDATE policy_versions SET content = $2, content_hash = $3
                WHERE id = $1 AND content_hash = $4`,
              [row.key, JSON.stringify(content), contentHash, row.contentHash],
            )
          : await manager.query(
              `UPDATE backup_set_items SET content = $2, content_hash = $3
                WHERE backup_set_id || '/' || policy_type || '/' || policy_id = $1
                  AND content_hash = $4`,
              [row.key, JSON.stringify(content), contentHash, row.contentHash],
            );
      return count === 1;
    });
  }
}
