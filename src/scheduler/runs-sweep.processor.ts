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
    const { redispatched, staleQueued, lost } = await this.liveness.sweep();
    run.increment('redispatched', redispatched.length);
    run.increment('staleQueued', staleQueued.length);
    run.increment('lost', lost.length);
  }
}
