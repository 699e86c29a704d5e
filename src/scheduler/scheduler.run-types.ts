import { Capability } from '#libs/authz';
import { defineRunType } from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    /** `slot`: the start of the period this run is the duty of (ISO, UTC). */
    runs_sweep: { slot: string };
    runs_prune: { slot: string };
  }
}

/**
 * The platform's own duties, run by the scheduler: system-wide runs (no workspace), one per slot
 * whatever the number of scheduler processes (strict identity on the slot).
 */
const duty = {
  capability: Capability.WorkspaceManage,
  scope: 'strict',
  queue: 'scheduler',
  tenantScoped: false,
  systemWide: true,
  identity: (inputs: { slot: string }) => ({ slot: inputs.slot }),
  job: { attempts: 3, backoffMs: 30_000 },
} as const;

export const RUNS_SWEEP = defineRunType({
  ...duty,
  type: 'runs_sweep',
  label: 'Liveness sweep of runs',
});

export const RUNS_PRUNE = defineRunType({
  ...duty,
  type: 'runs_prune',
  label: 'Pruning of old runs',
});

/** How often each duty runs. */
export const SWEEP_EVERY_MS = 5 * 60_000;
export const PRUNE_EVERY_MS = 24 * 60 * 60_000;
