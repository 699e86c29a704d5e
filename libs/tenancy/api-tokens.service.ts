import { Inject, Injectable, Logger } from '@nestjs/common';
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TtlCache } from '#libs/common/cache';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { TransactionRunner } from '#libs/common/db';
import type { Actor } from './actor.js';
import {
  ApiTokenRepository,
  type TokenHolder,
  type TokenSummary,
} from './repositories/api-token.repository.js';
import { AuditService } from './audit.service.js';
import { UserRepository } from './repositories/user.repository.js';
import { TenancyError, TenancyErrorCode } from './tenancy.errors.js';

/** `tops_<12-char lookup prefix><32-char secret>`, base62: 256 bits of randomness in all. */
const TOKEN_PATTERN = /^tops_([A-Za-z0-9]{12})[A-Za-z0-9]{32}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** `last_used_at` is a hint for operators, not an access log: refresh it at most this often. */
const LAST_USED_RESOLUTION_MS = 60_000;

function randomBase62(length: number): string {
  // 248 = 4 * 62: rejecting bytes above it keeps every character equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** SHA-256 in base64: the one-shot hash is cheapest with a string out (paid by every request). */
function sha256(value: string): string {
  return hash('sha256', value, 'base64');
}

@Injectable()
export class ApiTokensService {
  private readonly logger = new Logger(ApiTokensService.name);
  /** Token hash → holder. Revocation and role changes reach other processes within its TTL. */
  private readonly holders: TtlCache<TokenHolder>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly tokens: ApiTokenRepository,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
  ) {
    this.holders = new TtlCache(config.authCacheSeconds);
  }

  /**
   * Creates a personal API token, valid until `expiresAt` (null: until revoked). The plain token
   * is returned once and never stored.
   */
  issue(
    userId: string,
    name: string,
    actor: Actor,
    expiresAt: Date | null = null,
  ): Promise<{ id: string; token: string; summary: TokenSummary }> {
    return this.transactions.run(async (tx) => {
      if (!(await this.users.findById(userId))) {
        throw new TenancyError(
          TenancyErrorCode.UserNotFound,
          `User ${JSON.stringify(userId)} was not found.`,
        );
      }
      const prefix = randomBase62(12);
      const token = `tops_${prefix}${randomBase62(32)}`;
      const row = await this.tokens.insert(
        { userId, name, prefix, tokenHash: Buffer.from(sha256(token), 'base64'), expiresAt },
        tx,
      );
      await this.audit.record(
        {
          actor,
          action: 'api_token.create',
          target: { type: 'api_token', id: row.id },
          details: { userId, name, expiresAt: expiresAt?.toISOString() ?? null },
        },
        tx,
      );
      return {
        id: row.id,
        token,
        summary: {
          id: row.id,
          name: row.name,
          createdAt: row.createdAt,
          lastUsedAt: null,
          expiresAt: row.expiresAt,
        },
      };
    });
  }

  /** The user's own tokens that are not revoked (expired ones included), newest first. */
  listOwn(userId: string): Promise<TokenSummary[]> {
    return this.tokens.findLiveOfUser(userId);
  }

  /**
   * Revokes a token: any token (the operator CLI), or with `ownerId` only one of that user's — a
   * token of someone else is "not found", exactly as one that does not exist.
   */
  revoke(tokenId: string, actor: Actor, ownerId: string | null = null): Promise<void> {
    return this.transactions.run(async (tx) => {
      if (!(await this.tokens.revoke(tokenId, tx, ownerId))) {
        throw new TenancyError(TenancyErrorCode.TokenNotFound, 'API token was not found.');
      }
      await this.audit.record(
        { actor, action: 'api_token.revoke', target: { type: 'api_token', id: tokenId } },
        tx,
      );
      this.holders.deleteWhere((holder) => holder.tokenId === tokenId);
    });
  }

  /** Forgets the cached holders of a user's tokens (their memberships changed here). */
  forgetUser(userId: string): void {
    this.holders.deleteWhere((holder) => holder.user.id === userId);
  }

  /** The holder of a live token, or null for anything malformed, unknown, expired or revoked. */
  async authenticate(token: string): Promise<TokenHolder | null> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return null;
    const digest = sha256(token);
    const holder = await this.load(digest, match[1]!);
    // A cached holder may outlive its token's expiry: the expiry is checked on every use.
    return holder && (!holder.expiresAt || holder.expiresAt.getTime() > Date.now()) ? holder : null;
  }

  private load(digest: string, prefix: string): Promise<TokenHolder | null> {
    return this.holders.getOrLoad(digest, async () => {
      const holder = await this.tokens.findLiveHolderByPrefix(prefix);
      if (!holder || !timingSafeEqual(holder.tokenHash, Buffer.from(digest, 'base64'))) return null;
      if (
        !holder.lastUsedAt ||
        Date.now() - holder.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS
      ) {
        this.tokens
          .touchLastUsed(holder.tokenId)
          .catch((error: unknown) =>
            this.logger.warn({ err: error }, 'Could not record token use'),
          );
      }
      return holder;
    });
  }
}
