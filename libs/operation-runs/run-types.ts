import type { Capability } from '#libs/authz';

export const RUN_STATUSES = ['queued', 'running', 'completed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_OUTCOMES = [
  'pending',
  'succeeded',
  'partially_succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/**
 * - `active`: at most one queued/running run per identity (a second start returns it).
 * - `per_request`: every start is a new run, unless it carries an Idempotency-Key (then unique forever).
 * - `strict`: at most one run ever per identity.
 */
export const IDENTITY_SCOPES = ['active', 'per_request', 'strict'] as const;
export type IdentityScope = (typeof IDENTITY_SCOPES)[number];

/**
 * The inputs of each run type, by type name. Families add their types by augmentation:
 *
 * ```ts
 * declare module '#libs/operation-runs' {
 *   interface RunTypeInputs { inventory_sync: { policyTypes: string[] } }
 * }
 * ```
 * so that starting a run with the wrong inputs does not compile.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RunTypeInputs {}
export type RunType = keyof RunTypeInputs & string;

/** JSON that can be stored in a run's context and hashed into its identity. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface RunJobOptions {
  /** Deliveries of the job in all (Bull attempts); retries stay in the same run. */
  attempts: number;
  /** First retry delay; doubles with each attempt. */
  backoffMs: number;
}

export interface RunTypeDefinition<T extends RunType = RunType> {
  type: T;
  /** Human name, for notifications and lists. */
  label: string;
  /** Needed to start a run of this type and to view one. */
  capability: Capability;
  scope: IdentityScope;
  /**
   * Scopes a start may ask for instead of `scope` (`StartRunRequest.scope`): the scheduler's
   * strict start (schedule + fire time) of a type that users start per request.
   */
  alsoScopes?: readonly IdentityScope[];
  /** Bull queue the jobs go to (one per family, so families scale separately). */
  queue: string;
  /** Whether runs belong to a tenant (false: workspace-wide work). */
  tenantScoped: boolean;
  /**
   * Runs of no workspace (and no tenant): the platform's own duties, such as the liveness sweep.
   * The API shows them to nobody; they are read in the database and the logs.
   */
  systemWide?: boolean;
  /**
   * The handler records its progress as it goes and picks up from it when run again, so a job
   * that Bull delivers again after its worker died (the lock it renewed expired) takes the run
   * over instead of leaving it to the liveness sweep (`worker.lost`). See `RunExecutor`.
   */
  resumable?: boolean;
  /** The inputs that make two starts "the same work" (sorted, normalised). */
  identity(inputs: RunTypeInputs[T]): Json;
  job?: Partial<RunJobOptions>;
}

/** Any one registered run type's definition. */
export type AnyRunTypeDefinition = { [T in RunType]: RunTypeDefinition<T> }[RunType];

/** Declares a run type with its inputs checked against {@link RunTypeInputs}. */
export function defineRunType<T extends RunType>(
  definition: RunTypeDefinition<T>,
): RunTypeDefinition<T> {
  return definition;
}

export interface RunFailure {
  code: string;
  message: string;
}

export interface RunInitiator {
  /** Null once the user has been deleted; the name is the snapshot taken at the start. */
  userId: string | null;
  name: string;
}

/** An operation run as every reader sees it (SPEC §2). */
export interface OperationRun {
  id: string;
  /** Null only for system-wide runs (see {@link RunTypeDefinition.systemWide}). */
  workspaceId: string | null;
  tenantId: string | null;
  type: string;
  status: RunStatus;
  outcome: RunOutcome;
  initiator: RunInitiator | null;
  identity: { hash: string; scope: IdentityScope };
  summaryCounts: Record<string, number>;
  failures: RunFailure[];
  context: Record<string, Json>;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  heartbeatAt: Date | null;
}
