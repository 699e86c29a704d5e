import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `size` (≤ 4096) random bytes, drawn from the kernel 4 KiB at a time as Node's own `randomUUID`
 * does: a draw per call (`randomBytes`, or uuid's default) is a system call each time, and showed
 * up in the start route's profile. The bytes are a view of the pool: copy them before the next
 * call.
 */
export function pooledRandomBytes(size: number): Buffer {
  if (offset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  return pool.subarray(offset, (offset += size));
}

/**
 * A new UUIDv7 (time-ordered: "newest first" is "id descending"). Ids made in the same
 * millisecond are in random order (RFC 9562 makes a counter optional; nothing here relies on
 * order within a millisecond).
 */
export function uuidv7(): string {
  return v7({ random: pooledRandomBytes(16) });
}
