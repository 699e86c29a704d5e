import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * An open database transaction, handed from a service to the repositories that take part in it.
 * Services decide where a transaction begins and ends; only repositories use the manager inside.
 */
export class Tx {
  constructor(readonly manager: EntityManager) {}
}

@Injectable()
export class TransactionRunner {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(new Tx(manager)));
  }
}
