import {
  HandlesRun,
  RunLivenessService,
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
