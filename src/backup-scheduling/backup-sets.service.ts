import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal, RecordScope } from '#libs/authz';
import { TransactionRunner } from '#libs/common/db';
import { RecordNotFoundError } from '#libs/common/errors';
import { AuditService, type Actor } from '#libs/tenancy';
import { OperationRunsService, type StartedRun } from '#libs/operation-runs';
import { InventoryService } from '../inventory/index.js';
import {
  BackupSetRepository,
  type BackupSet,
  type BackupSetItem,
} from './backup-sets.repository.js';

@Injectable()
export class BackupSetsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly sets: BackupSetRepository,
    private readonly audit: AuditService,
    private readonly runs: OperationRunsService,
    private readonly inventory: InventoryService,
  ) {}

  /** An empty set made by hand, to add chosen policies to. */
  create(scope: RecordScope, name: string, actor: Actor): Promise<BackupSet> {
    return this.transactions.run(async (tx) => {
      const set = await this.sets.create(
        {
          id: randomUUID(),
          workspaceId: scope.workspaceId,
          tenantId: scope.tenantId!,
          scheduleId: null,
          operationRunId: null,
          name,
        },
        [],
        tx,
      );
      await this.audit.record(
        {
          actor,
          action: 'backup_set.create',
          target: { type: 'backup_set', id: set.id },
          workspaceId: set.workspaceId,
          tenantId: set.tenantId,
          details: { name },
        },
        tx,
      );
      return set;
    });
  }

  list(tenantId: string): Promise<BackupSet[]> {
    return this.sets.listLiveByTenant(tenantId);
  }

  async get(tenantId: string, id: string): Promise<{ set: BackupSet; items: BackupSetItem[] }> {
    const set = await this.find(tenantId, id);
    return { set, items: await this.sets.items(set.id) };
  }

  /**
   * A live set by id, whichever tenant holds it: a restore's source, which may be another tenant
   * of the workspace. Null when there is none (or retention expired it).
   */
  findLive(id: string): Promise<BackupSet | null> {
    return this.sets.findLive(id);
  }

  /** Every item of a set (content, assignments, hash), by policy type and Graph id. */
  itemsOf(setId: string): Promise<BackupSetItem[]> {
    return this.sets.items(setId);
  }

  /**
   * `backup_set_add_policies`: one active run per set and policy selection. The policies are
   * inventory items of the tenant, as every start that selects policies takes them: a 400 names
   * the others.
   */
  async addPolicies(
    tenantId: string,
    id: string,
    policyIds: string[],
    principal: Principal,
  ): Promise<StartedRun> {
    const set = await this.find(tenantId, id);
    const items = await this.inventory.requireLiveItemRefs(set.tenantId, policyIds);
    return this.runs.start({
      type: 'backup_set_add_policies',
      workspaceId: set.workspaceId,
      tenantId: set.tenantId,
      inputs: { backupSetId: set.id, policyIds: items.map((item) => item.id).sort() },
      initiator: principal,
    });
  }

  private async find(tenantId: string, id: string): Promise<BackupSet> {
    const set = await this.sets.findLive(id);
    if (!set || set.tenantId !== tenantId) throw new RecordNotFoundError('Backup set');
    return set;
  }
}
