import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Policy versions stay immutable, but for one change: `secrets:rotate` re-seals the secrets a
 * version captured (an encrypted OMA-URI value) under the new SECRETS_KEY, which changes their
 * keyed digest and so the version's content hash. The rotation marks its transaction
 * (`SET LOCAL tenantops.secrets_rotation = 'on'`); then, and only then, `content` and
 * `content_hash` may change — never the policy, its number or its assignments.
 */
export class SecretsRotation1796313600000 implements MigrationInterface {
  name = 'SecretsRotation1796313600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION policy_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('tenantops.secrets_rotation', true) = 'on'
           AND (OLD.policy_type, OLD.graph_id, OLD.version_number, OLD.assignments)
               IS NOT DISTINCT FROM (NEW.policy_type, NEW.graph_id, NEW.version_number, NEW.assignments) THEN
          RETURN NEW;
        END IF;
        IF (OLD.policy_type, OLD.graph_id, OLD.version_number, OLD.content_hash, OLD.content, OLD.assignments)
           IS DISTINCT FROM (NEW.policy_type, NEW.graph_id, NEW.version_number, NEW.content_hash, NEW.content, NEW.assignments) THEN
          RAISE EXCEPTION 'policy versions are immutable';
        END IF;
        RETURN NEW;
      END $$;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION policy_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (OLD.policy_type, OLD.graph_id, OLD.version_number, OLD.content_hash, OLD.content, OLD.assignments)
           IS DISTINCT FROM (NEW.policy_type, NEW.graph_id, NEW.version_number, NEW.content_hash, NEW.content, NEW.assignments) THEN
          RAISE EXCEPTION 'policy versions are immutable';
        END IF;
        RETURN NEW;
      END $$;
    `);
  }
}
