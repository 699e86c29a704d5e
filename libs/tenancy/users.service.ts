import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '#libs/common/db';
import type { Actor } from './actor.js';
import { AuditService } from './audit.service.js';
import { UserRepository } from './repositories/user.repository.js';
import { TenancyError, TenancyErrorCode } from './tenancy.errors.js';

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
  ) {}

  create(email: string, name: string, actor: Actor): Promise<User> {
    return this.transactions.run(async (tx) => {
      const user = await this.users.insertUnlessEmailTaken(email.trim(), name.trim(), tx);
      if (!user)
        throw new TenancyError(
          TenancyErrorCode.EmailTaken,
          'A user with this e-mail address already exists.',
        );
      await this.audit.record(
        { actor, action: 'user.create', target: { type: 'user', id: user.id } },
        tx,
      );
      return user;
    });
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user)
      throw new TenancyError(
        TenancyErrorCode.UserNotFound,
        `User ${JSON.stringify(id)} was not found.`,
      );
    return user;
  }
}
