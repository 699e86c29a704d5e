import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Tx } from '#libs/common/db';
import { ApiTokenEntity } from '../entities/api-token.entity.js';
import type { Role } from '../roles.js';

/** A live token with everything authorisation needs about its user, read in one round trip. */
export interface TokenHolder {
  tokenId: string;
  tokenHash: Buffer;
  lastUsedAt: Date | null;
  user: { id: string; email: string; name: string };
  memberships: { workspaceId: string; role: Role }[];
}

@Injectable()
export class ApiTokenRepository {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
  ) {}

  async insert(token: Pick<ApiTokenEntity, 'userId' | 'name' | 'prefix' | 'tokenHash'>, tx: Tx) {
    return tx.manager.save(tx.manager.create(ApiTokenEntity, token));
  }

  async findLiveHolderByPrefix(prefix: string): Promise<TokenHolder | null> {
    const rows: TokenHolder[] = await this.tokens.query(
      `SELECT t.id AS "tokenId", t.token_hash AS "tokenHash", t.last_used_at AS "lastUsedAt",
              json_build_object('id', u.id, 'email', u.email, 'name', u.name) AS "user",
              COALESCE((SELECT json_agg(json_build_object('workspaceId', m.workspace_id, 'role', m.role))
                          FROM workspace_memberships m WHERE m.user_id = u.id), '[]'::json) AS memberships
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.prefix = $1 AND t.revoked_at IS NULL`,
      [prefix],
    );
    return rows[0] ?? null;
  }

  async touchLastUsed(tokenId: string): Promise<void> {
    await this.tokens.update({ id: tokenId }, { lastUsedAt: () => 'now()' });
  }

  /** Revokes the token (idempotent); returns false for an unknown token id. */
  async revoke(tokenId: string, tx: Tx): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query(
      'UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id',
      [tokenId],
    );
    return rows.length > 0;
  }
}
