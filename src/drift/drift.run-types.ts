import { Capability } from '#libs/authz';
import { defineRunType } from '#libs/operation-runs';

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    /** Two succeeded inventory syncs of the tenant, resolved when the run is started. */
    drift_generate_findings: { baselineRunId: string; currentRunId: string };
  }
}

export const DRIFT_GENERATE_FINDINGS = defineRunType({
  type: 'drift_generate_findings',
  label: 'Drift findings',
  capability: Capability.DriftGenerate,
  scope: 'active',
  queue: 'drift',
  tenantScoped: true,
  identity: (inputs) => ({
    baselineRunId: inputs.baselineRunId,
    currentRunId: inputs.currentRunId,
  }),
  job: { attempts: 3, backoffMs: 5000 },
});
