import {
  HandlesRun,
  RunRetentionService,
  type RunContext,
  type RunHandler,
} from '#libs/operation-runs';

@HandlesRun('runs_prune')
export class RunsPruneProcessor implements RunHandler<'runs_prune'> {
  constructor(private readonly retention: RunRetentionService) {}

  async execute(run: RunContext<'runs_prune'>): Promise<void> {
    const { pruned, completedBefore } = await this.retention.prune();
    run.increment('deleted', pruned);
    run.setContext({ completedBefore: completedBefore.toISOString() });
  }
}
