interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export interface StatementBatcherOptions {
  /** Items written by one statement at most. */
  maxBatch: number;
  /** Statements of this batcher in flight at once; items wait (and gather) meanwhile. */
  maxInFlight: number;
}

/**
 * Group commit for the run bookkeeping: the items asked for in one turn of the event loop — and
 * while this batcher's previous statements are still in flight — are written by one statement
 * (`write`, which answers each item in order). Under load, batches grow by themselves; a lone item
 * is a batch of one, written in the next turn. When a batch of several fails, each item is written
 * again on its own, so a row PostgreSQL refuses fails only its own caller.
 */
export class StatementBatcher<I, O> {
  private pending: Pending<I, O>[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly options: StatementBatcherOptions,
  ) {}

  run(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || !this.pending.length) return;
    this.scheduled = true;
    // setImmediate: after the I/O callbacks of this turn, so the deliveries that arrived together
    // (Bull's replies read from one socket chunk) share the statement.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.pending.length) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.settle(batch).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  private async settle(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.write(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => entry.resolve(results[index] as O));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      await Promise.all(
        batch.map(async (entry) => {
          try {
            const [result] = await this.write([entry.item]);
            entry.resolve(result as O);
          } catch (alone) {
            entry.reject(alone);
          }
        }),
      );
    }
  }
}
