import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TtlCache } from '#libs/common/cache';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { TransactionRunner } from '#libs/common/db';
import { CommonError, CommonErrorCode, RecordNotFoundError } from '#libs/common/errors';
import type { Actor } from './actor.js';
import type { TenantEntity } from './entities/tenant.entity.js';
import { ProviderSecretCipher } from './provider-secret.cipher.js';
import { AuditService } from './audit.service.js';
import {
  TenantRepository,
  type ConnectionRecord,
  type TenantChanges,
} from './repositories/tenant.repository.js';
import { TenancyError, TenancyErrorCode } from './tenancy.errors.js';

/**
 * The provider connection as the newest verification found it (`unverified` until one has
 * completed, and again once the credentials change): the application permissions it lacks,
 * each named by its least privileged form.
 */
export interface TenantConnection {
  status: 'unverified' | 'verified' | 'failed';
  checkedAt: Date | null;
  runId: string | null;
  missingPermissions: string[];
}

/** A managed tenant as the rest of the product sees it: the provider secret never leaves here. */
export interface Tenant {
  id: string;
  workspaceId: string;
  displayName: string;
  entraTenantId: string;
  clientId: string;
  connection: TenantConnection;
  /** When the provider connection last changed (a verification is about these credentials). */
  credentialsChangedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields of a tenant that make up its provider connection. */
export const CREDENTIAL_FIELDS = ['entraTenantId', 'clientId', 'clientSecret'] as const;

export interface TenantInput {
  displayName: string;
  entraTenantId: string;
  clientId: string;
  clientSecret: string;
}

/** The provider connection, decrypted for a Graph call and held in memory only. */
export interface ProviderCredentials {
  entraTenantId: string;
  clientId: string;
  clientSecret: string;
}

function toTenant(row: TenantEntity): Tenant {
  const { id, workspaceId, displayName, entraTenantId, clientId, createdAt, updatedAt } = row;
  return {
    id,
    workspaceId,
    displayName,
    entraTenantId,
    clientId,
    connection: {
      status: row.connectionStatus,
      checkedAt: row.connectionCheckedAt,
      runId: row.connectionRunId,
      missingPermissions: row.connectionMissingPermissions,
    },
    credentialsChangedAt: row.credentialsChangedAt,
    createdAt,
    updatedAt,
  };
}

const duplicate = () =>
  new TenancyError(
    TenancyErrorCode.TenantExists,
    'This workspace already manages that Entra tenant.',
  );

@Injectable()
export class TenantsService {
  /** Tenant → workspace never changes; only deletion does, which reaches other processes within the TTL. */
  private readonly scopes: TtlCache<{ workspaceId: string }>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly transactions: TransactionRunner,
    private readonly tenants: TenantRepository,
    private readonly cipher: ProviderSecretCipher,
    private readonly audit: AuditService,
  ) {
    this.scopes = new TtlCache(config.authCacheSeconds);
  }

  create(workspaceId: string, input: TenantInput, actor: Actor): Promise<Tenant> {
    const id = randomUUID();
    return this.transactions.run(async (tx) => {
      const row = await this.tenants.insertUnlessDuplicate(
        {
          id,
          workspaceId,
          displayName: input.displayName,
          entraTenantId: input.entraTenantId,
          clientId: input.clientId,
          clientSecretEncrypted: this.cipher.encrypt(input.clientSecret, id),
        },
        tx,
      );
      if (!row) throw duplicate();
      await this.audit.record(
        {
          actor,
          action: 'tenant.create',
          target: { type: 'tenant', id },
          workspaceId,
          tenantId: id,
          details: { displayName: input.displayName, entraTenantId: input.entraTenantId },
        },
        tx,
      );
      return toTenant(row);
    });
  }

  async get(id: string): Promise<Tenant> {
    const row = await this.tenants.findLive(id);
    if (!row) throw new RecordNotFoundError('Tenant');
    return toTenant(row);
  }

  async list(workspaceId: string): Promise<Tenant[]> {
    return (await this.tenants.listLiveByWorkspace(workspaceId)).map(toTenant);
  }

  update(id: string, input: Partial<TenantInput>, actor: Actor): Promise<Tenant> {
    if (Object.keys(input).length === 0) {
      throw new CommonError(CommonErrorCode.Validation, 'Name at least one field to change.');
    }
    return this.transactions.run(async (tx) => {
      const current = await this.tenants.findLive(id, tx);
      if (!current) throw new RecordNotFoundError('Tenant');
      const { clientSecret, ...plain } = input;
      const changes: TenantChanges = { ...plain };
      if (clientSecret !== undefined)
        changes.clientSecretEncrypted = this.cipher.encrypt(clientSecret, id);
      if (CREDENTIAL_FIELDS.some((field) => input[field] !== undefined)) {
        // What was verified was the old connection: this one is unverified until checked.
        changes.connectionStatus = 'unverified';
        changes.connectionCheckedAt = null;
        changes.connectionMissingPermissions = [];
        changes.credentialsChangedAt = () => 'clock_timestamp()';
      }
      const row = await this.tenants.updateUnlessDuplicate(id, changes, tx);
      if (!row) throw duplicate();
      await this.audit.record(
        {
          actor,
          action: 'tenant.update',
          target: { type: 'tenant', id },
          workspaceId: current.workspaceId,
          tenantId: id,
          // Names of the changed fields only: values may be secret.
          details: { fields: Object.keys(input).sort() },
        },
        tx,
      );
      return toTenant(row);
    });
  }

  remove(id: string, actor: Actor): Promise<void> {
    return this.transactions.run(async (tx) => {
      const current = await this.tenants.findLive(id, tx);
      if (!current) throw new RecordNotFoundError('Tenant');
      await this.tenants.softDelete(id, tx);
      this.scopes.delete(id);
      await this.audit.record(
        {
          actor,
          action: 'tenant.delete',
          target: { type: 'tenant', id },
          workspaceId: current.workspaceId,
          tenantId: id,
        },
        tx,
      );
    });
  }

  /**
   * Records what a verification of the credentials of `credentialsChangedAt` found; false (nothing
   * written) when the credentials have changed since, or the tenant is gone.
   */
  recordConnection(
    id: string,
    credentialsChangedAt: Date,
    record: ConnectionRecord,
  ): Promise<boolean> {
    return this.tenants.recordConnection(id, credentialsChangedAt, record);
  }

  /** Where the tenant belongs, for authorisation; null when it does not exist (or was deleted). */
  findScope(id: string): Promise<{ workspaceId: string } | null> {
    return this.scopes.getOrLoad(id, () => this.tenants.findLiveScope(id));
  }

  async providerCredentials(id: string): Promise<ProviderCredentials> {
    const row = await this.tenants.findLive(id);
    if (!row) throw new RecordNotFoundError('Tenant');
    return {
      entraTenantId: row.entraTenantId,
      clientId: row.clientId,
      clientSecret: this.cipher.decrypt(row.clientSecretEncrypted, id),
    };
  }

  /**
   * Re-encrypts every provider secret (deleted tenants' too) under the current SECRETS_KEY: the
   * rotation's first half (`secrets:rotate`). Each row is replaced only if unchanged since it was
   * read; rows already under the current key are counted, not rewritten; a row neither key opens
   * is listed and left alone.
   */
  async rotateProviderSecrets(): Promise<SecretRotation> {
    const result: SecretRotation = { rotated: 0, current: 0, unreadable: [] };
    for (let after: string | null = null; ;) {
      const rows = await this.tenants.listSecretsAfter(after, ROTATION_BATCH);
      for (const { id, sealed } of rows) {
        let resealed: Buffer | null;
        try {
          resealed = this.cipher.reencrypt(sealed, id);
        } catch {
          result.unreadable.push(id);
          continue;
        }
        if (resealed === null) result.current++;
        else if (await this.tenants.replaceSecret(id, sealed, resealed)) result.rotated++;
        // Changed meanwhile: its new secret was sealed under the current key.
        else result.current++;
      }
      if (rows.length < ROTATION_BATCH) break;
      after = rows.at(-1)!.id;
    }
    return result;
  }
}

const ROTATION_BATCH = 500;

/** What a rotation did to one kind of secret. */
export interface SecretRotation {
  /** Re-encrypted under the current key. */
  rotated: number;
  /** Already under the current key. */
  current: number;
  /** Ids of the records neither key opens (left as they are). */
  unreadable: string[];
}
