import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
  ValidatorConstraint,
  Validate,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { PageQueryDto } from '#libs/common/pagination';
import { POLICY_TYPE_NAMES, type PolicyType } from '#libs/policies';
import {
  CONFLICT_POLICIES,
  PLANNED_ACTIONS,
  type ConflictPolicy,
  type PlanIssue,
  type PlannedAssignment,
} from '../restore-plan.js';
import {
  ITEM_RESULTS,
  ITEM_STATES,
  RESTORE_STATUSES,
  type RestoreRun,
  type RestoreRunItem,
} from '../restore.repository.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `{ "<source group id>": "<target group id>" }`: both Entra object ids (GUIDs), at most 1,000. */
@ValidatorConstraint({ name: 'groupMapping' })
class GroupMappingShape implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return (
      entries.length <= 1000 &&
      entries.every(([from, to]) => GUID.test(from) && typeof to === 'string' && GUID.test(to))
    );
  }

  defaultMessage(): string {
    return 'groupMapping must map source group ids to target group ids (GUIDs), at most 1000';
  }
}

/** One policy of the backup set: its type and its Graph id in the source tenant. */
export class RestoreItemKeyDto {
  @ApiProperty({ enum: POLICY_TYPE_NAMES })
  @IsIn(POLICY_TYPE_NAMES)
  policyType!: PolicyType;

  @ApiProperty({ description: 'The Graph id of the policy in the source tenant.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  policyId!: string;
}

export class CreateRestoreRunDto {
  @ApiProperty({
    format: 'uuid',
    description: 'A backup set of this tenant or of another tenant of the workspace.',
  })
  @IsUUID('loose')
  sourceBackupSetId!: string;

  @ApiPropertyOptional({
    type: [RestoreItemKeyDto],
    description: 'The policies of the set to restore; absent: all of them.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5000)
  @ValidateNested({ each: true })
  @Type(() => RestoreItemKeyDto)
  items?: RestoreItemKeyDto[];

  @ApiPropertyOptional({
    enum: CONFLICT_POLICIES,
    default: 'skip',
    description:
      'A policy the target already has: leave it (`skip`), update it in place (`update`), or create a copy beside it (`create_copy`).',
  })
  @IsOptional()
  @IsIn(CONFLICT_POLICIES)
  conflictPolicy?: ConflictPolicy;

  @ApiPropertyOptional({ default: true, description: "Write the policies' assignments too." })
  @IsOptional()
  @IsBoolean()
  includeAssignments?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', format: 'uuid' },
    description:
      'Source group id → target group id. Groups not named here go to the target group of the same display name.',
  })
  @IsOptional()
  @IsObject()
  @Validate(GroupMappingShape)
  groupMapping?: Record<string, string>;

  @ApiPropertyOptional({
    default: false,
    description:
      'Leave out the assignments whose group cannot be mapped instead of refusing to execute.',
  })
  @IsOptional()
  @IsBoolean()
  skipUnmappedAssignments?: boolean;
}

/** A draft's choices; the source set stays (another source is another restore). */
export class UpdateRestoreRunDto extends PartialType(
  OmitType(CreateRestoreRunDto, ['sourceBackupSetId'] as const),
) {}

export class RestoreRunsQueryDto extends PageQueryDto {}

class PlanIssueDto {
  @ApiProperty({ example: 'restore.group_unmapped' }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional() policyType?: string;
  @ApiPropertyOptional() policyId?: string;
  @ApiPropertyOptional() groupId?: string;
}

class PreviewDto {
  @ApiProperty({
    description: 'Items per planned action (`total`, `create`, `update`, `skip`, `unchanged`).',
  })
  counts!: Record<string, number>;
  @ApiProperty({ type: [PlanIssueDto], description: 'Execute is refused while any remain.' })
  blockers!: PlanIssue[];
  @ApiProperty({ type: [PlanIssueDto] }) warnings!: PlanIssue[];
}

class RestoreLinksDto {
  @ApiProperty() self!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The restore_execute run, once executed.',
  })
  operation!: string | null;
}

export class RestoreRunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) workspaceId!: string;
  @ApiProperty({ format: 'uuid', description: 'The target tenant.' }) tenantId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) sourceTenantId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) sourceBackupSetId!: string | null;
  @ApiProperty({ enum: RESTORE_STATUSES }) status!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The outcome of its run, once completed.',
  })
  outcome!: string | null;
  @ApiProperty({ enum: CONFLICT_POLICIES }) conflictPolicy!: string;
  @ApiProperty() includeAssignments!: boolean;
  @ApiProperty() skipUnmappedAssignments!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  groupMapping!: Record<string, string>;
  @ApiProperty({ type: PreviewDto }) preview!: PreviewDto;
  @ApiProperty({
    description:
      'Items per result: `created`, `updated`, `skipped`, `unchanged`, `failed`, and `pending` (not finished).',
  })
  results!: Record<string, number>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) operationRunId!: string | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The inventory_sync started after the restore wrote policies.',
  })
  inventorySyncRunId!: string | null;
  @ApiProperty() createdBy!: { userId: string | null; name: string };
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) executedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: Date | null;
  @ApiProperty({ type: RestoreLinksDto }) links!: RestoreLinksDto;

  static from(run: RestoreRun): RestoreRunDto {
    const { blockers, warnings, planned, results, ...rest } = run;
    return {
      ...rest,
      preview: { counts: planned, blockers, warnings },
      results,
      links: {
        self: `/tenants/${run.tenantId}/restore-runs/${run.id}`,
        operation: run.operationRunId ? `/operations/${run.operationRunId}` : null,
      },
    };
  }
}

class PlannedAssignmentDto {
  @ApiProperty({ example: '#microsoft.graph.groupAssignmentTarget' }) targetType!: string;
  @ApiPropertyOptional() sourceGroupId?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) sourceGroupName?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) targetGroupId?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) targetGroupName?: string | null;
  @ApiPropertyOptional({ enum: ['explicit', 'same_group', 'display_name'], nullable: true })
  mappedBy?: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'What assign writes; null when the assignment is left out.',
  })
  body!: Record<string, unknown> | null;
}

export class RestoreRunItemDto {
  @ApiProperty({ description: 'Its number in the marker a create leaves in the description.' })
  position!: number;
  @ApiProperty({ enum: POLICY_TYPE_NAMES }) policyType!: string;
  @ApiProperty() policyId!: string;
  @ApiProperty({ type: String, nullable: true }) displayName!: string | null;
  @ApiProperty({ enum: PLANNED_ACTIONS }) action!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The policy in the target tenant.' })
  targetPolicyId!: string | null;
  @ApiProperty({ type: String, nullable: true }) targetDisplayName!: string | null;
  @ApiProperty({ type: [PlannedAssignmentDto] }) assignments!: PlannedAssignment[];
  @ApiProperty({ type: [PlanIssueDto] }) warnings!: PlanIssue[];
  @ApiProperty({ enum: ITEM_STATES }) state!: string;
  @ApiProperty({ enum: ITEM_RESULTS, nullable: true }) result!: string | null;
  @ApiProperty({ type: String, nullable: true }) resultCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) resultMessage!: string | null;
  @ApiProperty() updatedAt!: Date;

  static from(item: RestoreRunItem): RestoreRunItemDto {
    return item;
  }
}

export class RestoreRunWithItemsDto extends RestoreRunDto {
  @ApiProperty({ type: [RestoreRunItemDto] }) items!: RestoreRunItemDto[];

  static withItems(run: RestoreRun, items: RestoreRunItem[]): RestoreRunWithItemsDto {
    return { ...RestoreRunDto.from(run), items: items.map(RestoreRunItemDto.from) };
  }
}

export class RestoreRunPageDto {
  @ApiProperty({ type: [RestoreRunDto] }) items!: RestoreRunDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
