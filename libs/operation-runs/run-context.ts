import { sanitizeMessage } from '#libs/common/redaction';
import type { RunProgress } from './operation-run.repository.js';
import type { Json, OperationRun, RunFailure, RunType, RunTypeInputs } from './run-types.js';

/** Raised inside a handler once the run was cancelled, or taken away from this worker. */
export class RunInterrupted extends Error {
  constructor(readonly reason: 'cancelled' | 'lost') {
    super(
      reason === 'cancelled'
        ? 'The run was cancelled.'
        : 'The run is no longer held by this worker.',
    );
    this.name = 'RunInterrupted';
  }
}

/**
 * What a handler sees of its run: its inputs, and the way to report progress. Counters and
 * failures are kept here and written with each heartbeat and at the end, not per item.
 */
export class RunContext<T extends RunType = RunType> {
  private readonly counts: Record<string, number> = {};
  private readonly failureList: RunFailure[] = [];
  private readonly contextPatch: Record<string, Json> = {};
  private interruption: RunInterrupted | null = null;

  constructor(readonly run: OperationRun) {}

  /** The inputs the run was started with. */
  get inputs(): RunTypeInputs[T] {
    return this.run.context as unknown as RunTypeInputs[T];
  }

  get runId(): string {
    return this.run.id;
  }

  /**
   * Fields every log line about this run carries; `requestId` is the HTTP request that started
   * it (absent for the scheduler's and the system's runs).
   */
  get logFields(): {
    runId: string;
    tenantId: string | null;
    workspaceId: string | null;
    type: string;
    requestId?: string;
  } {
    const requestId = this.run.context.requestId;
    return {
      runId: this.run.id,
      tenantId: this.run.tenantId,
      workspaceId: this.run.workspaceId,
      type: this.run.type,
      ...(typeof requestId === 'string' ? { requestId } : {}),
    };
  }

  increment(counter: string, by = 1): void {
    this.counts[counter] = (this.counts[counter] ?? 0) + by;
  }

  /** Records a failed item: a stable code and a human message (secrets removed, ≤ 500 chars). */
  fail(item: string | null, code: string, message: string): void {
    this.failureList.push({
      code,
      message: sanitizeMessage(item ? `${item}: ${message}` : message),
    });
  }

  setContext(patch: Record<string, Json>): void {
    Object.assign(this.contextPatch, patch);
  }

  /** Throws when the run was cancelled or lost; call it between items of long work. */
  throwIfInterrupted(): void {
    if (this.interruption) throw this.interruption;
  }

  get failures(): readonly RunFailure[] {
    return this.failureList;
  }

  get summaryCounts(): Readonly<Record<string, number>> {
    return this.counts;
  }

  /** @internal the executor's view. */
  interrupt(reason: 'cancelled' | 'lost'): void {
    this.interruption ??= new RunInterrupted(reason);
  }

  /** @internal what is written back to the run. */
  progress(extraFailures: RunFailure[] = []): RunProgress {
    return {
      summaryCounts: { ...this.counts },
      failures: [...this.failureList, ...extraFailures],
      context: { ...this.run.context, ...this.contextPatch },
    };
  }
}
