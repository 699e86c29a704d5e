import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Tx } from '#libs/common/db';
import { WorkspaceEntity } from '../entities/workspace.entity.js';

@Injectable()
export class WorkspaceRepository {
  constructor(
    @InjectRepository(WorkspaceEntity) private readonly workspaces: Repository<WorkspaceEntity>,
  ) {}

  async insert(name: string, tx: Tx): Promise<WorkspaceEntity> {
    return tx.manager.save(tx.manager.create(WorkspaceEntity, { name }));
  }

  findById(id: string): Promise<WorkspaceEntity | null> {
    return this.workspaces.findOneBy({ id });
  }

  /** Serialises membership changes of one workspace (the last-owner rule needs a stable count). */
  async lockForUpdate(id: string, tx: Tx): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query(
      'SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE',
      [id],
    );
    return rows.length > 0;
  }
}
