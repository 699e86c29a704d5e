interface Lane {
  active: number;
  waiting: (() => void)[];
}

/**
 * At most `limit` pieces of work at once per key (a tenant), in this process. Graph throttles per
 * tenant and app; a run that lists many collections in parallel must not trip it on its own.
 */
export class ConcurrencyLimiter {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    await this.acquire(key);
    try {
      return await work();
    } finally {
      this.release(key);
    }
  }

  private async acquire(key: string): Promise<void> {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { active: 0, waiting: [] }));
    if (lane.active < this.limit) {
      lane.active++;
      return;
    }
    // The releasing holder hands its slot over, so `active` stays counted.
    await new Promise<void>((resolve) => lane.waiting.push(resolve));
  }

  private release(key: string): void {
    const lane = this.lanes.get(key)!;
    const next = lane.waiting.shift();
    if (next) next();
    else if (--lane.active === 0) this.lanes.delete(key);
  }
}
