import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds buckets for work that takes from milliseconds (a request) to an hour (a run). */
const RUN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const LATENESS_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];

/** The Bull job states counted by `tenantops_queue_jobs`. */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'paused',
] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** Something that can tell the depth of each queue (OperationRuns, which owns the queues). */
export type QueueDepthSource = () => Promise<
  { queue: string; counts: Record<QueueState, number> }[]
>;

/** Something that can tell the state of the PostgreSQL pool (in use, idle, waiting clients). */
export type PoolStateSource = () => { inUse: number; idle: number; waiting: number } | null;

/** The queue depth is read at most this often, whatever the scrape interval. */
export const QUEUE_DEPTH_MAX_AGE_MS = 5000;

/**
 * Every Prometheus metric of a TenantOps process, in one registry of its own (not prom-client's
 * global one: a test process boots several apps). Labels are bounded sets — route templates, run
 * types, outcomes, queue names, Graph resource paths with ids replaced — never a tenant, run or
 * user id. Instrumented code only increments or observes: nothing here awaits or writes.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  /** Requests answered are its `_count`: one observation per request, not two metrics to update. */
  readonly httpDuration = new Histogram({
    name: 'tenantops_http_request_duration_seconds',
    help: 'HTTP requests answered (_count) and the time to answer them, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  readonly runStarts = new Counter({
    name: 'tenantops_run_starts_total',
    help: 'Run starts by type and result: created, deduplicated or dispatch_failed.',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
  });
  readonly runCompletions = new Counter({
    name: 'tenantops_run_completions_total',
    help: 'Runs completed, by type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly runDuration = new Histogram({
    name: 'tenantops_run_duration_seconds',
    help: 'From a run starting (first claim by a worker) to its completion, by type.',
    labelNames: ['type'] as const,
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });
  readonly runQueueWait = new Histogram({
    name: 'tenantops_run_queue_wait_seconds',
    help: 'From a run being created to a worker first claiming it, by type.',
    labelNames: ['type'] as const,
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'tenantops_queue_jobs',
    help: `Bull jobs by queue and state (read at most every ${QUEUE_DEPTH_MAX_AGE_MS / 1000} s).`,
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: () => this.collectQueueDepth(),
  });

  readonly graphRequests = new Counter({
    name: 'tenantops_graph_requests_total',
    help: 'Microsoft Graph requests (each attempt), by method, resource path and status (0: no answer).',
    labelNames: ['method', 'resource', 'status'] as const,
    registers: [this.registry],
  });
  readonly graphThrottles = new Counter({
    name: 'tenantops_graph_throttles_total',
    help: 'Graph answers of 429 (throttled), by resource path.',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });
  readonly graphRetryWait = new Counter({
    name: 'tenantops_graph_retry_wait_seconds_total',
    help: 'Seconds spent waiting before retrying Graph requests, by resource path.',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });

  readonly schedulerTicks = new Counter({
    name: 'tenantops_scheduler_ticks_total',
    help: 'Scheduler ticks run in this process.',
    registers: [this.registry],
  });
  readonly schedulerFires = new Counter({
    name: 'tenantops_scheduler_fires_total',
    help: 'Runs a tick started, by result: created or deduplicated.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly schedulerLateness = new Histogram({
    name: 'tenantops_scheduler_fire_lateness_seconds',
    help: 'From a fire time to its run being created.',
    buckets: LATENESS_BUCKETS,
    registers: [this.registry],
  });

  readonly runsSwept = new Counter({
    name: 'tenantops_runs_swept_total',
    help: 'Runs the liveness sweep failed, by reason: stale_queued or worker_lost.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly runsPruned = new Counter({
    name: 'tenantops_runs_pruned_total',
    help: 'Completed runs deleted by retention.',
    registers: [this.registry],
  });

  readonly dbPool = new Gauge({
    name: 'tenantops_db_pool_connections',
    help: 'PostgreSQL pool of this process: connections in use, idle, and clients waiting for one.',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => this.collectPool(),
  });

  readonly eventStreams = new Gauge({
    name: 'tenantops_run_event_streams',
    help: 'Open run event streams (GET /operations/{id}/events) in this process.',
    registers: [this.registry],
  });

  private queueDepthSource: QueueDepthSource | null = null;
  private poolStateSource: PoolStateSource | null = null;
  private queueDepth: { at: number; reading: Promise<void> } | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tenantops_process_' });
  }

  /** Where the queue depth comes from (set by the module that owns the queues). */
  setQueueDepthSource(source: QueueDepthSource): void {
    this.queueDepthSource = source;
  }

  setPoolStateSource(source: PoolStateSource): void {
    this.poolStateSource = source;
  }

  /** The exposition text of every metric. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  private async collectQueueDepth(): Promise<void> {
    const source = this.queueDepthSource;
    if (!source) return;
    // One read per QUEUE_DEPTH_MAX_AGE_MS, shared by the scrapes that come meanwhile; a scrape
    // in between shows the last reading.
    if (!this.queueDepth || Date.now() - this.queueDepth.at >= QUEUE_DEPTH_MAX_AGE_MS) {
      this.queueDepth = {
        at: Date.now(),
        reading: source().then(
          (queues) => {
            for (const { queue, counts } of queues) {
              for (const state of QUEUE_STATES) {
                this.queueJobs.set({ queue, state }, counts[state] ?? 0);
              }
            }
          },
          () => undefined, // Redis away: the last reading stands (and /health/ready says so).
        ),
      };
    }
    await this.queueDepth.reading;
  }

  private collectPool(): void {
    const state = this.poolStateSource?.();
    if (!state) return;
    this.dbPool.set({ state: 'in_use' }, state.inUse);
    this.dbPool.set({ state: 'idle' }, state.idle);
    this.dbPool.set({ state: 'waiting' }, state.waiting);
  }
}
