import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import type { Tx } from '#libs/common/db';
import { TenantEntity } from '../entities/tenant.entity.js';

type TenantInsert = Pick<
  TenantEntity,
  'id' | 'workspaceId' | 'displayName' | 'entraTenantId' | 'clientId' | 'clientSecretEncrypted'
>;
export type TenantChanges = Partial<
  Pick<
    TenantEntity,
    | 'displayName'
    | 'entraTenantId'
    | 'clientId'
    | 'clientSecretEncrypted'
    | 'connectionStatus'
    | 'connectionCheckedAt'
    | 'connectionMissingPermissions'
  > & { credentialsChangedAt: () => string }
>;

/** A verification's result, recorded on the tenant. */
export interface ConnectionRecord {
  status: 'verified' | 'failed';
  checkedAt: Date;
  runId: string;
  missingPermissions: string[];
}

/** A new tenant's connection: nothing checked yet (the columns' defaults, as the answer shows them). */
const UNVERIFIED = {
  connectionStatus: 'unverified',
  connectionCheckedAt: null,
  connectionRunId: null,
  connectionMissingPermissions: [],
} as const satisfies Partial<TenantEntity>;

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  return (error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION;
}

@Injectable()
export class TenantRepository {
  constructor(@InjectRepository(TenantEntity) private readonly tenants: Repository<TenantEntity>) {}

  /** Inserts the tenant; returns null when the workspace already manages that Entra tenant. */
  async insertUnlessDuplicate(tenant: TenantInsert, tx: Tx): Promise<TenantEntity | null> {
    try {
      await tx.manager.query('SAVEPOINT tenant_insert');
      const saved = await tx.manager.save(
        tx.manager.create(TenantEntity, { ...tenant, ...UNVERIFIED }),
      );
      await tx.manager.query('RELEASE SAVEPOINT tenant_insert');
      return saved;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await tx.manager.query('ROLLBACK TO SAVEPOINT tenant_insert');
      return null;
    }
  }

  findLive(id: string, tx?: Tx): Promise<TenantEntity | null> {
    const manager = tx?.manager ?? this.tenants.manager;
    return manager.findOneBy(TenantEntity, { id, deletedAt: IsNull() });
  }

  /** Just enough to place a tenant in its workspace (authorisation), without the secret. */
  async findLiveScope(id: string): Promise<{ workspaceId: string } | null> {
    const row = await this.tenants.findOne({
      select: { workspaceId: true },
      where: { id, deletedAt: IsNull() },
    });
    return row ? { workspaceId: row.workspaceId } : null;
  }

  listLiveByWorkspace(workspaceId: string): Promise<TenantEntity[]> {
    return this.tenants.find({
      where: { workspaceId, deletedAt: IsNull() },
      order: { displayName: 'ASC', id: 'ASC' },
    });
  }

  /**
   * Records a verification of the credentials as they were at `credentialsChangedAt`; false when
   * they have changed since (the result is about credentials the tenant no longer has) or the
   * tenant is gone.
   */
  async recordConnection(
    id: string,
    credentialsChangedAt: Date,
    record: ConnectionRecord,
  ): Promise<boolean> {
    const rows: [unknown[], number] = await this.tenants.query(
      `UPDATE tenants
          SET connection_status = $3, connection_checked_at = $4, connection_run_id = $5,
              connection_missing_permissions = $6
        WHERE id = $1 AND deleted_at IS NULL
          AND date_trunc('milliseconds', credentials_changed_at) = $2
        RETURNING id`,
      [
        id,
        credentialsChangedAt,
        record.status,
        record.checkedAt,
        record.runId,
        record.missingPermissions,
      ],
    );
    return rows[0].length > 0;
  }

  /** Applies the changes; returns null when they would duplicate another live tenant. */
  async updateUnlessDuplicate(
    id: string,
    changes: TenantChanges,
    tx: Tx,
  ): Promise<TenantEntity | null> {
    try {
      await tx.manager.query('SAVEPOINT tenant_update');
      await tx.manager.update(TenantEntity, { id }, changes);
      await tx.manager.query('RELEASE SAVEPOINT tenant_update');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await tx.manager.query('ROLLBACK TO SAVEPOINT tenant_update');
      return null;
    }
    return tx.manager.findOneByOrFail(TenantEntity, { id });
  }

  async softDelete(id: string, tx: Tx): Promise<void> {
    await tx.manager.update(TenantEntity, { id }, { deletedAt: () => 'now()' });
  }

  /** Every tenant's sealed secret (deleted ones too), in id order after `after`. */
  async listSecretsAfter(
    after: string | null,
    limit: number,
  ): Promise<{ id: string; sealed: Buffer }[]> {
    return this.tenants.query(
      `SELECT id, client_secret_encrypted AS sealed FROM tenants
        WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [after, limit],
    );
  }

  /**
   * Replaces a tenant's sealed secret if it is still `previous`: a secret changed meanwhile
   * (a PATCH during the rotation, already under the current key) is left as it is.
   */
  async replaceSecret(id: string, previous: Buffer, sealed: Buffer): Promise<boolean> {
    const [, count]: [unknown, number] = await this.tenants.query(
      `UPDATE tenants SET client_secret_encrypted = $3
        WHERE id = $1 AND client_secret_encrypted = $2`,
      [id, previous, sealed],
    );
    return count === 1;
  }
}
