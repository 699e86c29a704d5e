import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

@Injectable()
export class SchedulerRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The last slot started of each duty that has ever been started. */
  async lastSlots(): Promise<Map<string, Date>> {
    const rows: { name: string; lastSlot: Date }[] = await this.db.query(
      `SELECT name, last_slot AS "lastSlot" FROM scheduler_duties`,
    );
    return new Map(rows.map((row) => [row.name, row.lastSlot]));
  }

  /** Records the duty's slot as the last one started. */
  async markSlotStarted(name: string, slot: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO scheduler_duties (name, last_slot) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET last_slot = excluded.last_slot`,
      [name, slot],
    );
  }
}
