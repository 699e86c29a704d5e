import { LRUCache } from 'lru-cache';

/**
 * A bounded in-process cache with a time to live, for lookups on the request path that are read
 * far more often than they change (token holders, record scopes). `ttlSeconds = 0` disables it.
 */
export class TtlCache<V extends object> {
  private readonly cache: LRUCache<string, V> | null;

  constructor(ttlSeconds: number, max = 10_000) {
    this.cache = ttlSeconds > 0 ? new LRUCache<string, V>({ max, ttl: ttlSeconds * 1000 }) : null;
  }

  async getOrLoad(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const hit = this.cache?.get(key);
    if (hit) return hit;
    const value = await load();
    // Only what exists is remembered: a record created a moment later must not stay unknown.
    if (value && this.cache) this.cache.set(key, value);
    return value;
  }

  delete(key: string): void {
    this.cache?.delete(key);
  }

  deleteWhere(predicate: (value: V) => boolean): void {
    if (!this.cache) return;
    for (const [key, value] of this.cache.entries()) if (predicate(value)) this.cache.delete(key);
  }
}
