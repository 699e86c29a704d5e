/**
 * When Graph is asked again after a failure, and after how long. Pure functions, so the rules are
 * unit-tested apart from the HTTP client.
 */

/** Statuses worth another try: throttling and a busy or timed-out service. */
const RETRYABLE = new Set([429, 503, 504]);
/**
 * A create (not idempotent) only when Graph surely did not act on it: throttled, refused before
 * any work began. A 503 (or 504) may come after the write was applied — the answer, not the
 * request, was lost — so sending the create again could make the object twice: the caller decides
 * (a restore looks for what it created by its marker before creating again).
 */
const RETRYABLE_CREATE = new Set([429]);

export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  return (idempotent ? RETRYABLE : RETRYABLE_CREATE).has(status);
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds: delta-seconds (Graph sends fractional
 * ones, e.g. `1.5`) or an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // An HTTP date ends in GMT; anything else that Date.parse might stretch to is no date.
  const at = /GMT$/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential back-off with full jitter: anywhere in [0, base·2^(attempt−1)], at most `capMs`. */
export function backoffMs(
  attempt: number,
  baseMs: number,
  random: () => number = Math.random,
  capMs = 60_000,
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}
