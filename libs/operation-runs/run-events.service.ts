import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '#libs/common/config';
import { Metrics } from '#libs/metrics';
import { OperationRunRepository } from './operation-run.repository.js';
import type { OperationRun } from './run-types.js';

/** The channel the `operation_runs` trigger announces changed run ids on (migration 1796140800000). */
export const RUN_CHANGES_CHANNEL = 'tenantops_run_changes';

/** After losing its connection, the listener tries again this long after. */
const RECONNECT_MS = 1000;

export interface RunWatcher {
  /** The run as it is now, after a change was announced (or the listener reconnected). */
  change(run: OperationRun): void;
  /** The process is shutting down: the watcher must let go. */
  close(): void;
}

/**
 * Run changes across processes, for the run event streams. PostgreSQL announces each changed run
 * (`NOTIFY`, from a trigger on `operation_runs`, whichever process changed it); this process
 * listens on ONE connection of its own, opened when the first watcher comes and closed when the
 * last one goes, however many streams are open. A change is read once (from the pool) for all
 * the watchers of that run, one read at a time per run so that they see changes in order.
 */
@Injectable()
export class RunEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(RunEventsService.name);
  private readonly watchers = new Map<string, Set<RunWatcher>>();
  /** Per run: the read in flight, and whether another change came meanwhile. */
  private readonly reading = new Map<string, { again: boolean }>();
  private listener: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runs: OperationRunRepository,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Watches a run: resolves once this process is listening, so a change made after it resolves
   * is seen. Returns the function that stops watching.
   */
  async watch(runId: string, watcher: RunWatcher): Promise<() => void> {
    let set = this.watchers.get(runId);
    if (!set) this.watchers.set(runId, (set = new Set()));
    set.add(watcher);
    this.metrics.eventStreams.inc();
    let watching = true;
    const stop = () => {
      if (!watching) return;
      watching = false;
      this.metrics.eventStreams.dec();
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(runId) === set) this.watchers.delete(runId);
      if (this.watchers.size === 0) this.disconnect();
    };
    try {
      await this.connect();
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  /** How many runs and watchers this process follows (for tests and logs). */
  get watching(): { runs: number; watchers: number } {
    let watchers = 0;
    for (const set of this.watchers.values()) watchers += set.size;
    return { runs: this.watchers.size, watchers };
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const set of [...this.watchers.values()]) for (const watcher of [...set]) watcher.close();
    this.watchers.clear();
    this.disconnect();
  }

  private connect(): Promise<void> {
    if (this.listener) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.database.url,
      application_name: 'tenantops-run-events',
    });
    client.on('notification', (message) => {
      if (message.channel === RUN_CHANGES_CHANNEL && message.payload) this.changed(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${RUN_CHANGES_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed || this.watchers.size === 0) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
  }

  private lost(client: pg.Client, error: Error | null): void {
    if (this.listener !== client) return;
    this.listener = null;
    void client.end().catch(() => undefined);
    this.reconnectLater(error);
  }

  private reconnectLater(error: unknown): void {
    if (this.closed || this.watchers.size === 0 || this.reconnectTimer) return;
    this.logger.warn({ err: error ?? undefined }, 'Run change listener lost; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed || this.watchers.size === 0) return;
      this.connect().then(
        // Changes announced while the listener was away were missed: every watched run is read.
        () => {
          for (const runId of this.watchers.keys()) this.changed(runId);
        },
        (reason: unknown) => this.reconnectLater(reason),
      );
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }

  private disconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.listener;
    this.listener = null;
    if (client) void client.end().catch(() => undefined);
  }

  /** A run changed: read it once (one read at a time per run) and hand it to its watchers. */
  private changed(runId: string): void {
    if (!this.watchers.has(runId)) return;
    const inFlight = this.reading.get(runId);
    if (inFlight) {
      inFlight.again = true;
      return;
    }
    const state = { again: false };
    this.reading.set(runId, state);
    void (async () => {
      try {
        do {
          state.again = false;
          const run = await this.runs.findById(runId);
          if (!run) continue;
          for (const watcher of [...(this.watchers.get(runId) ?? [])]) watcher.change(run);
        } while (state.again && this.watchers.has(runId));
      } catch (error) {
        this.logger.warn({ runId, err: error }, 'Could not read a changed run');
      } finally {
        this.reading.delete(runId);
      }
    })();
  }
}
