import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Tx } from '#libs/common/db';
import { ApiTokenEntity } from '../entities/api-token.entity.js';
import type { Role } from '#libs/roles';

/** A live token with everything authorisation needs about its user, read in one round trip. */
/** A token as its owner sees it (never the secret, never the hash). */
export interface TokenSummary {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

export interface TokenHolder {
  tokenId: string;
  tokenHash: Buffer;
  lastUsedAt: Date | null;
  /** Null: never expires. */
  expiresAt: Date | null;
  user: { id: string; email: string; name: string };
  memberships: { workspaceId: string; role: Role }[];
}

@Injectable()
export class ApiTokenRepository {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
  ) {}

  async insert(
    token: Pick<ApiTokenEntity, 'userId' | 'name' | 'prefix' | 'tokenHash' | 'expiresAt'>,
    tx: Tx,
  ) {
    return tx.manager.save(tx.manager.create(ApiTokenEntity, token));
  }

  /** The user's tokens that are not revoked (expired ones included), newest first. */
  findLiveOfUser(userId: string): Promise<TokenSummary[]> {
    return this.tokens.query(
      `SELECT id, name, created_at AS "createdAt", last_used_at AS "lastUsedAt",
              expires_at AS "expiresAt"
         FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL
        ORDER BY created_at DESC, id`,
      [userId],
    );
  }

  async findLiveHolderByPrefix(prefix: string): Promise<TokenHolder | null> {
    const rows: TokenHolder[] = await this.tokens.query(
      `SELECT t.id AS "tokenId", t.token_hash AS "tokenHash", t.last_used_at AS "lastUsedAt",
              t.expires_at AS "expiresAt",
              json_build_object('id', u.id, 'email', u.email, 'name', u.name) AS "user",
              COALESCE((SELECT json_agg(json_build_object('workspaceId', m.workspace_id, 'role', m.role))
                          FROM workspace_memberships m WHERE m.user_id = u.id), '[]'::json) AS memberships
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.prefix = $1 AND t.revoked_at IS NULL
          AND (t.expires_at IS NULL OR t.expires_at > now())`,
      [prefix],
    );
    return rows[0] ?? null;
  }

  async touchLastUsed(tokenId: string): Promise<void> {
    await this.tokens.update({ id: tokenId }, { lastUsedAt: () => 'now()' });
  }

  /**
   * Revokes the token (idempotent); returns false for an unknown token id, or, with `userId`, a
   * token that is not that user's.
   */
  async revoke(tokenId: string, tx: Tx, userId: string | null = null): Promise<boolean> {
    const rows: [unknown[], number] = await tx.manager.query(
      `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
        WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) RETURNING id`,
      [tokenId, userId],
    );
    return rows[0].length > 0;
  }
}
