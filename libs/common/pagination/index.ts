import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CommonError, CommonErrorCode } from '#libs/common/errors';

/** `limit` (1–200, default 50) and `cursor` (the `nextCursor` of the previous page). */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

/** A page of a name search (`search`: display-name prefix, case-insensitive). */
export class NameSearchQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Display-name prefix, case-insensitive.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The same page with each item mapped (e.g. to its API shape). */
export function mapPage<T, U>(page: Page<T>, map: (item: T) => U): Page<U> {
  return { items: page.items.map(map), nextCursor: page.nextCursor };
}

/**
 * Keyset pagination over a sort key of strings (e.g. `[lower(name), id]`): the cursor is the
 * last row's key, opaque to callers. Read one row more than the page to know whether there is a
 * next one.
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key a cursor carries; a cursor this API did not make is a 400 naming `cursor`. */
export function decodeCursor(
  cursor: string,
  length: number,
  valid: (key: string[]) => boolean = () => true,
): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (
    !Array.isArray(key) ||
    key.length !== length ||
    !key.every((part) => typeof part === 'string') ||
    !valid(key)
  ) {
    throw new CommonError(CommonErrorCode.Validation, 'The cursor is not one this API returned.', [
      { field: 'cursor', messages: ['cursor is invalid'] },
    ]);
  }
  return key as string[];
}

/** Cuts the extra row read past the page into a `nextCursor`. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => string[],
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  return {
    items: items.map(map),
    nextCursor: rows.length > limit ? encodeCursor(key(items[items.length - 1]!)) : null,
  };
}

/** `value` as a LIKE pattern matching strings that start with it (wildcards escaped). */
export function prefixPattern(value: string): string {
  return `${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
