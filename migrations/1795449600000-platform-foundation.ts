import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Workspaces, users, memberships, API tokens, tenants and the audit log. */
export class PlatformFoundation1795449600000 implements MigrationInterface {
  name = 'PlatformFoundation1795449600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE workspaces (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at  timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE users (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
        name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));

      CREATE TABLE workspace_memberships (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role         text NOT NULL CHECK (role IN ('owner', 'manager', 'operator', 'readonly')),
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, user_id)
      );
      CREATE INDEX workspace_memberships_user_idx ON workspace_memberships (user_id);

      -- Only a SHA-256 of each token is kept; the prefix finds the row without scanning hashes.
      CREATE TABLE api_tokens (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name         text NOT NULL,
        prefix       text NOT NULL UNIQUE,
        token_hash   bytea NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at   timestamptz
      );
      CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

      -- The provider secret is AES-256-GCM ciphertext bound to the tenant id; never returned.
      CREATE TABLE tenants (
        id                      uuid PRIMARY KEY,
        workspace_id            uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        display_name            text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
        entra_tenant_id         uuid NOT NULL,
        client_id               uuid NOT NULL,
        client_secret_encrypted bytea NOT NULL,
        created_at              timestamptz NOT NULL DEFAULT now(),
        updated_at              timestamptz NOT NULL DEFAULT now(),
        deleted_at              timestamptz
      );
      CREATE UNIQUE INDEX tenants_workspace_entra_key
        ON tenants (workspace_id, entra_tenant_id) WHERE deleted_at IS NULL;
      CREATE INDEX tenants_workspace_idx ON tenants (workspace_id, display_name, id) WHERE deleted_at IS NULL;

      -- Append-only; no foreign keys, so history outlives the records it names.
      CREATE TABLE audit_log (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at            timestamptz NOT NULL DEFAULT now(),
        actor_user_id uuid,
        actor_name    text NOT NULL,
        action        text NOT NULL,
        target_type   text NOT NULL,
        target_id     text NOT NULL,
        workspace_id  uuid,
        tenant_id     uuid,
        details       jsonb NOT NULL DEFAULT '{}'::jsonb
      );
      CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, at DESC);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE audit_log;
      DROP TABLE tenants;
      DROP TABLE api_tokens;
      DROP TABLE workspace_memberships;
      DROP TABLE users;
      DROP TABLE workspaces;
    `);
  }
}
