import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Tx } from '#libs/common/db';
import { UserEntity } from '../entities/user.entity.js';

@Injectable()
export class UserRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** Inserts the user, or returns null when the e-mail address (case-insensitive) is taken. */
  async insertUnlessEmailTaken(email: string, name: string, tx: Tx): Promise<UserEntity | null> {
    const rows: UserEntity[] = await tx.manager.query(
      `INSERT INTO users (email, name) VALUES ($1, $2)
       ON CONFLICT ((lower(email))) DO NOTHING
       RETURNING id, email, name, created_at AS "createdAt"`,
      [email, name],
    );
    return rows[0] ?? null;
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }
}
