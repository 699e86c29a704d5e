import {
  HandlesRun,
  RunLivenessService,
  RunRetentionService,
  type RunContext,
  type RunHandler,
} from '#libs/operation-runs';

@HandlesRun('runs_sweep')
export class RunsSweepProcessor implements RunHandler<'runs_sweep'> {
  constructor(private readonly liveness: RunLivenessService) {}

  async execute(run: RunContext<'runs_sweep'>): Promise<void> {
    const { staleQueued, lost } = await this.liveness.sweep();
    run.increment('staleQueued', staleQueued.length);
    run.increment('lost', lost.length);
  }
}

@HandlesRun('runs_prune')
export class RunsPruneProcessor implements RunHandler<'runs_prune'> {
  constructor(private readonly retention: RunRetentionService) {}

  async execute(run: RunContext<'runs_prune'>): Promise<void> {
    const { pruned, completedBefore } = await this.retention.prune();
    run.increment('deleted', pruned);
    run.setContext({ completedBefore: completedBefore.toISOString() });
  }
}
