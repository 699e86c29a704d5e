import type { DataSource } from 'typeorm';
import { decodeCursor, pageOf, prefixPattern, type Page } from '#libs/common/pagination';
import { SqlConditions } from './sql-conditions.js';

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
  const q = new SqlConditions();
  q.and(`tenant_id = ${q.param(query.tenantId)}`);
  if (query.search) {
    q.and(`lower(display_name) COLLATE "C" LIKE ${q.param(prefixPattern(query.search))}`);
  }
  for (const [column, value] of Object.entries(query.equals ?? {})) {
    q.and(`${column} = ${q.param(value)}`);
  }
  if (query.after) {
    const [name, graphId] = query.after;
    q.and(`(lower(display_name) COLLATE "C", graph_id) > (${q.param(name)}, ${q.param(graphId)})`);
  }
  return db.query(
    `SELECT ${columns} FROM ${table} WHERE ${q.where}
      ORDER BY lower(display_name) COLLATE "C", graph_id LIMIT ${q.param(query.limit)}`,
    q.params,
  );
}

/**
 * A page of {@link searchByNamePrefix} results as the API answers it: the caller's cursor
 * decoded into the keyset, one row read past the page, and the next cursor made from the last.
 */
export async function namePage<R extends { id: string; displayName: string }>(
  search: (query: NameSearch) => Promise<R[]>,
  query: Omit<NameSearch, 'after' | 'limit'> & { limit?: number; cursor?: string },
): Promise<Page<R>> {
  const { cursor, limit = 50, ...rest } = query;
  const rows = await search({
    ...rest,
    after: cursor === undefined ? undefined : (decodeCursor(cursor, 2) as [string, string]),
    limit: limit + 1,
  });
  return pageOf(
    rows,
    limit,
    (row) => [row.displayName.toLowerCase(), row.id],
    (row) => row,
  );
}
