import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '#libs/common/pagination';
import { POLICY_TYPE_NAMES, type PolicyType } from '#libs/policies';
import { DRIFT_CHANGES, type DriftChange, type DriftFinding } from '../drift-finding.repository.js';

export class StartDriftDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'A succeeded inventory sync; default: the latest one before the current.',
  })
  @IsOptional()
  @IsUUID('loose')
  baselineRunId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'A succeeded inventory sync; default: the latest one.',
  })
  @IsOptional()
  @IsUUID('loose')
  currentRunId?: string;
}

export class ListFindingsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Findings of one drift run.' })
  @IsOptional()
  @IsUUID('loose')
  runId?: string;

  @ApiPropertyOptional({ enum: DRIFT_CHANGES })
  @IsOptional()
  @IsIn(DRIFT_CHANGES)
  change?: DriftChange;

  @ApiPropertyOptional({ enum: POLICY_TYPE_NAMES })
  @IsOptional()
  @IsIn(POLICY_TYPE_NAMES)
  policyType?: PolicyType;
}

export class DriftFindingDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The drift run; null once pruned.' })
  operationRunId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The baseline inventory sync; null once pruned.',
  })
  baselineOperationRunId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The current inventory sync; null once pruned.',
  })
  currentOperationRunId!: string | null;
  @ApiProperty({ enum: POLICY_TYPE_NAMES }) policyType!: string;
  @ApiProperty() graphId!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: DRIFT_CHANGES }) change!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Normalised listed content (no ids, timestamps or versions; arrays sorted).',
  })
  baselineContent!: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  currentContent!: unknown;
  @ApiProperty() createdAt!: Date;

  static from(finding: DriftFinding): DriftFindingDto {
    return Object.assign(new DriftFindingDto(), finding);
  }
}

export class DriftFindingPageDto {
  @ApiProperty({ type: [DriftFindingDto] }) items!: DriftFindingDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
