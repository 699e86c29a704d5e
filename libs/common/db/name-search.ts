import type { DataSource } from 'typeorm';
import { decodeCursor, pageOf, prefixPattern, type Page } from '../pagination.js';

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
    where.push(`lower(display_name) COLLATE "C" LIKE $${params.length}`);
  }
  for (const [column, value] of Object.entries(query.equals ?? {})) {
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  if (query.after) {
    params.push(...query.after);
    where.push(
      `(lower(display_name) COLLATE "C", graph_id) > ($${params.length - 1}, $${params.length})`,
    );
  }
  params.push(query.limit);
  return db.query(
    `SELECT ${columns} FROM ${table} WHERE ${where.join(' AND ')}
      ORDER BY lower(display_name) COLLATE "C", graph_id LIMIT $${params.length}`,
    params,
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
