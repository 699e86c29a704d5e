import type { DataSource } from 'typeorm';
import { prefixPattern } from '../pagination.js';

export interface NameSearch {
  tenantId: string;
  /** Name prefix, case-insensitive; absent: every row. */
  search?: string;
  /** Keyset: rows after this (lower(display_name), graph_id). */
  after?: [string, string];
  limit: number;
  /** More conditions, as `column = value` pairs. */
  equals?: Record<string, unknown>;
}

/**
 * A page of a tenant's cached directory objects (`table` with tenant_id, graph_id, display_name)
 * by name prefix, in (lower(display_name), graph_id) order: one range read of the table's
 * `(tenant_id, lower(display_name) text_pattern_ops, graph_id)` index.
 */
export function searchByNamePrefix<R>(
  db: DataSource,
  table: string,
  columns: string,
  query: NameSearch,
): Promise<R[]> {
  const params: unknown[] = [query.tenantId];
  const where = ['tenant_id = $1'];
  if (query.search) {
    params.push(prefixPattern(query.search));
    where.push(`lower(display_name) LIKE $${params.length}`);
  }
  for (const [column, value] of Object.entries(query.equals ?? {})) {
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  if (query.after) {
    params.push(...query.after);
    where.push(`(lower(display_name), graph_id) > ($${params.length - 1}, $${params.length})`);
  }
  params.push(query.limit);
  return db.query(
    `SELECT ${columns} FROM ${table} WHERE ${where.join(' AND ')}
      ORDER BY lower(display_name), graph_id LIMIT $${params.length}`,
    params,
  );
}
