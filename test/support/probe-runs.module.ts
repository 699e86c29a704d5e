import { Body, Controller, Module, NotFoundException, Param, Post } from '@nestjs/common';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import {
  Capability,
  CurrentPrincipal,
  Principal,
  RequireCapability,
  RequireTenantCapability,
  ResolvedScope,
  type RecordScope,
} from '#libs/authz';
import {
  defineRunType,
  HandlesRun,
  IdempotencyKey,
  NonRetryableRunError,
  OperationRunsModule,
  OperationRunsService,
  RunSkipped,
  StartAnswer,
  StartsRun,
  type ExplicitOutcome,
  type RunContext,
  type RunHandler,
  type RunStartAnswer,
  type StartedRunDto,
} from '#libs/operation-runs';

/** What a probe run does when executed: enough knobs to reach every outcome. */
export interface ProbeWork {
  sleepMs?: number;
  /** Throw on attempts 1..failAttempts (retryable). */
  failAttempts?: number;
  nonRetryable?: boolean;
  skip?: boolean;
  succeeded?: number;
  failed?: number;
  /** Message of the thrown error (to check redaction). */
  errorMessage?: string;
}
type ProbeInputs = { key: string; work?: ProbeWork };

declare module '#libs/operation-runs' {
  interface RunTypeInputs {
    probe_active: ProbeInputs;
    probe_request: ProbeInputs;
    probe_strict: ProbeInputs;
    probe_workspace: ProbeInputs;
  }
}

const job = { attempts: 2, backoffMs: 50 };
const identity = (inputs: ProbeInputs) => ({ key: inputs.key });

export const PROBE_TYPES = [
  defineRunType({
    type: 'probe_active',
    label: 'Probe',
    capability: Capability.InventorySync,
    scope: 'active',
    queue: 'probe',
    tenantScoped: true,
    identity,
    job,
  }),
  defineRunType({
    type: 'probe_request',
    label: 'Probe per request',
    capability: Capability.BackupRun,
    scope: 'per_request',
    queue: 'probe',
    tenantScoped: true,
    identity,
    job,
  }),
  defineRunType({
    type: 'probe_strict',
    label: 'Probe strict',
    capability: Capability.BackupRun,
    scope: 'strict',
    queue: 'probe',
    tenantScoped: true,
    identity,
    job,
  }),
  defineRunType({
    type: 'probe_workspace',
    label: 'Probe workspace',
    capability: Capability.BackupManage,
    scope: 'active',
    queue: 'probe',
    tenantScoped: false,
    identity,
    job,
  }),
];

/** How many times each run's work began, in this process. */
export const probeExecutions = new Map<string, number>();

async function probe(context: RunContext): Promise<void | ExplicitOutcome> {
  probeExecutions.set(context.runId, (probeExecutions.get(context.runId) ?? 0) + 1);
  const work = (context.inputs as ProbeInputs).work ?? {};
  const until = Date.now() + (work.sleepMs ?? 0);
  while (Date.now() < until) {
    context.throwIfInterrupted();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (work.failAttempts && context.run.attempts <= work.failAttempts) {
    throw new Error(work.errorMessage ?? `probe attempt ${context.run.attempts} failed`);
  }
  if (work.nonRetryable)
    throw new NonRetryableRunError('probe.denied', work.errorMessage ?? 'Denied.');
  if (work.skip) throw new RunSkipped('probe.not_needed', 'Nothing to do.');
  for (let i = 0; i < (work.succeeded ?? 1); i++) {
    context.increment('total');
    context.increment('succeeded');
  }
  for (let i = 0; i < (work.failed ?? 0); i++) {
    context.increment('total');
    context.increment('failed');
    context.fail(`item ${i}`, 'probe.item_failed', work.errorMessage ?? 'The item failed.');
  }
}

@HandlesRun('probe_active')
class ProbeActiveHandler implements RunHandler<'probe_active'> {
  execute = probe;
}
@HandlesRun('probe_request')
class ProbeRequestHandler implements RunHandler<'probe_request'> {
  execute = probe;
}
@HandlesRun('probe_strict')
class ProbeStrictHandler implements RunHandler<'probe_strict'> {
  execute = probe;
}
@HandlesRun('probe_workspace')
class ProbeWorkspaceHandler implements RunHandler<'probe_workspace'> {
  execute = probe;
}

class ProbeWorkDto implements ProbeWork {
  @IsOptional() @IsInt() @Min(0) @Max(600_000) sleepMs?: number;
  @IsOptional() @IsInt() @Min(0) failAttempts?: number;
  @IsOptional() @IsBoolean() nonRetryable?: boolean;
  @IsOptional() @IsBoolean() skip?: boolean;
  @IsOptional() @IsInt() @Min(0) succeeded?: number;
  @IsOptional() @IsInt() @Min(0) failed?: number;
  @IsOptional() @IsString() errorMessage?: string;
}

class ProbeStartDto {
  @IsString() key!: string;
  @IsOptional() @ValidateNested() @Type(() => ProbeWorkDto) work?: ProbeWorkDto;
}

/** Start routes shaped like the families' (thin, declarative authorisation). */
@Controller('probe')
class ProbeController {
  constructor(private readonly runs: OperationRunsService) {}

  @Post('tenants/:tenantId/:kind')
  @RequireTenantCapability(Capability.TenantView)
  @StartsRun()
  async start(
    @Param('kind') kind: string,
    @Body() body: ProbeStartDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<StartedRunDto> {
    const type = `probe_${kind}`;
    if (!['probe_active', 'probe_request', 'probe_strict'].includes(type))
      throw new NotFoundException();
    const started = await this.runs.start({
      type: type as 'probe_active',
      workspaceId: scope.workspaceId,
      tenantId: scope.tenantId!,
      inputs: { ...body },
      initiator: principal,
      idempotencyKey,
    });
    return answer(started);
  }

  @Post('workspaces/:workspaceId')
  @RequireCapability(Capability.TenantView, { record: 'workspace', param: 'workspaceId' })
  @StartsRun()
  async startWorkspace(
    @Body() body: ProbeStartDto,
    @ResolvedScope() scope: RecordScope,
    @CurrentPrincipal() principal: Principal,
    @StartAnswer() answer: RunStartAnswer,
  ): Promise<StartedRunDto> {
    return answer(
      await this.runs.start({
        type: 'probe_workspace',
        workspaceId: scope.workspaceId,
        tenantId: null,
        inputs: { ...body },
        initiator: principal,
      }),
    );
  }
}

@Module({
  imports: [OperationRunsModule.forFeature(PROBE_TYPES)],
  controllers: [ProbeController],
  providers: [ProbeActiveHandler, ProbeRequestHandler, ProbeStrictHandler, ProbeWorkspaceHandler],
})
export class ProbeRunsModule {}
