import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IDENTITY_SCOPES, RUN_OUTCOMES, RUN_STATUSES, type OperationRun } from '../run-types.js';

class RunInitiatorDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Null once the user is deleted.',
  })
  userId!: string | null;
  @ApiProperty({ description: 'Snapshot of the name when the run started.' }) name!: string;
}

class RunIdentityDto {
  @ApiProperty() hash!: string;
  @ApiProperty({ enum: IDENTITY_SCOPES }) scope!: string;
}

class RunFailureDto {
  @ApiProperty({ example: 'graph.throttled' }) code!: string;
  @ApiProperty({ maxLength: 500 }) message!: string;
}

class RunLinksDto {
  @ApiProperty({ example: '/operations/0190f7a2-…' }) self!: string;
}

/** An operation run as the API shows it (SPEC §2). */
export class OperationRunDto {
  @ApiProperty() id!: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Null for system-wide runs.',
  })
  workspaceId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) tenantId!: string | null;
  @ApiProperty({ example: 'inventory_sync' }) type!: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: string;
  @ApiProperty({ enum: RUN_OUTCOMES }) outcome!: string;
  @ApiProperty({ type: RunInitiatorDto, nullable: true }) initiator!: RunInitiatorDto | null;
  @ApiProperty({ type: RunIdentityDto }) identity!: RunIdentityDto;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  summaryCounts!: Record<string, number>;
  @ApiProperty({ type: [RunFailureDto] }) failures!: RunFailureDto[];
  @ApiProperty({ type: 'object', additionalProperties: true }) context!: Record<string, unknown>;
  @ApiProperty() attempts!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
  @ApiProperty({ type: RunLinksDto }) links!: RunLinksDto;

  /** A plain object of this shape (serialised as it is; a start answers with one). */
  static from(run: OperationRun): OperationRunDto {
    return {
      id: run.id,
      workspaceId: run.workspaceId,
      tenantId: run.tenantId,
      type: run.type,
      status: run.status,
      outcome: run.outcome,
      initiator: run.initiator,
      identity: run.identity,
      summaryCounts: run.summaryCounts,
      failures: run.failures,
      context: run.context,
      attempts: run.attempts,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
      durationMs:
        run.startedAt && run.completedAt
          ? run.completedAt.getTime() - run.startedAt.getTime()
          : null,
      links: { self: `/operations/${run.id}` },
    };
  }
}

export class StartedRunDto {
  @ApiProperty({ type: OperationRunDto }) run!: OperationRunDto;
  @ApiProperty({
    description: 'True when an identical active (or strict, or keyed) run was returned.',
  })
  deduplicated!: boolean;
}

export class RunPageDto {
  @ApiProperty({ type: [OperationRunDto] }) items!: OperationRunDto[];
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next (older) page.',
  })
  nextCursor!: string | null;
}
