/** A tenant's request limit, as Intune sets one per tenant: `requests` per `windowSeconds`. */
export interface SimThrottle {
  requests: number;
  windowSeconds: number;
}

/** What a tenant's throttling did, for tests and benchmarks. */
export interface SimThrottleStats {
  /** Requests answered 429 by the bucket. */
  throttled: number;
  /**
   * Back-off windows announced: from the first 429 until the latest `Retry-After` it and the
   * 429s during it asked for.
   */
  windows: number;
  /**
   * Requests that arrived inside a window after the one that opened it, by window: a client that
   * honours `Retry-After` sends none once it has read the first 429, so each window holds at most
   * the requests it already had in flight (its per-tenant concurrency − 1).
   */
  arrivalsInWindows: number[];
}

/**
 * A token bucket per tenant: full (`requests` tokens) at first, refilled continuously at
 * `requests / windowSeconds` per second; a request takes one token, and a request finding none
 * is answered `429` with `Retry-After` = the seconds until the bucket is full again (one decimal,
 * rounded up). Requests answered 429 take no token.
 */
export class SimTokenBucket {
  private tokens: number;
  private at: number;
  private windowEnd = -Infinity;
  private readonly stats: SimThrottleStats = { throttled: 0, windows: 0, arrivalsInWindows: [] };

  constructor(
    readonly limit: SimThrottle,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.requests;
    this.at = now();
  }

  /** Takes a token for a request: null when granted, else the `Retry-After` to answer with. */
  take(): string | null {
    const now = this.now();
    const rate = this.limit.requests / (this.limit.windowSeconds * 1000);
    this.tokens = Math.min(this.limit.requests, this.tokens + (now - this.at) * rate);
    this.at = now;
    const inWindow = now < this.windowEnd;
    if (inWindow) this.stats.arrivalsInWindows[this.stats.arrivalsInWindows.length - 1]! += 1;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return null;
    }
    const toFull =
      ((this.limit.requests - this.tokens) * this.limit.windowSeconds) / this.limit.requests;
    // Tenths of a second, rounded up (the 1e-9 absorbs floating-point dust: 2.0000000001 is 2).
    const seconds = Math.max(0.1, Math.ceil(toFull * 10 - 1e-9) / 10);
    this.stats.throttled++;
    if (!inWindow) {
      this.stats.windows++;
      this.stats.arrivalsInWindows.push(0);
    }
    this.windowEnd = Math.max(this.windowEnd, now + seconds * 1000);
    return String(seconds);
  }

  summary(): SimThrottleStats {
    return { ...this.stats, arrivalsInWindows: [...this.stats.arrivalsInWindows] };
  }
}
