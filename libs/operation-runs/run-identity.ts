import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { pooledRandomBytes } from '#libs/common/ids';
import type { IdentityScope, Json } from './run-types.js';

export interface RunIdentity {
  hash: string;
  scope: IdentityScope;
  /** True when the identity must be unique forever (strict, or per-request with an Idempotency-Key). */
  unique: boolean;
}

export interface IdentitySubject {
  type: string;
  /** Null for system-wide runs. */
  workspaceId: string | null;
  tenantId: string | null;
  /** The type's identity inputs (already normalised by the run type). */
  inputs: Json;
}

/**
 * SHA-256 of the canonical JSON (keys sorted at every depth) of what makes two starts the same
 * work. Type, workspace and tenant are always part of it, so one hash column is enough for the
 * uniqueness constraints — workspace-wide runs (tenant null) included.
 */
function digest(value: Json): string {
  return createHash('sha256').update(stringify(value)).digest('hex');
}

export function runIdentity(
  scope: IdentityScope,
  subject: IdentitySubject,
  request: { idempotencyKey?: string; callerId?: string | null } = {},
): RunIdentity {
  const base: Json = {
    type: subject.type,
    workspaceId: subject.workspaceId,
    tenantId: subject.tenantId,
    inputs: subject.inputs,
  };
  if (scope !== 'per_request') return { hash: digest(base), scope, unique: scope === 'strict' };
  // Without a key every start is distinct: its hash is a fresh nonce (hashing the subject with
  // it would make it no more distinct; no index holds these hashes, they only have to differ).
  if (request.idempotencyKey === undefined) {
    return { hash: pooledRandomBytes(32).toString('hex'), scope, unique: false };
  }
  // A key is the caller's own: two callers using the same key never meet.
  return {
    hash: digest({
      ...base,
      idempotencyKey: request.idempotencyKey,
      caller: request.callerId ?? null,
    }),
    scope,
    unique: true,
  };
}
