import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ListRunsQueryDto } from '#libs/operation-runs';
import type { BackupSchedule, OverlapPolicy } from '../backup-schedules.repository.js';
import { POLICY_TYPE_NAMES, type PolicyType } from '#libs/policies';

export class CreateBackupScheduleDto {
  @ApiProperty({ example: 'Nightly', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({
    example: '30 2 * * *',
    description: 'Five fields: minute hour day-of-month month day-of-week, in `timezone`.',
  })
  @IsString()
  @MaxLength(120)
  cron!: string;

  @ApiProperty({ example: 'Europe/Berlin', description: 'An IANA time zone.' })
  @IsString()
  @MaxLength(64)
  timezone!: string;

  @ApiPropertyOptional({
    enum: POLICY_TYPE_NAMES,
    isArray: true,
    description: 'Empty: every type.',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(POLICY_TYPE_NAMES, { each: true })
  policyTypes?: PolicyType[];

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  keepLast?: number;

  @ApiPropertyOptional({
    enum: ['skip', 'allow'],
    default: 'skip',
    description: 'A fire that finds the previous run still active: skipped, or run anyway.',
  })
  @IsOptional()
  @IsIn(['skip', 'allow'])
  overlapPolicy?: OverlapPolicy;
}

export class UpdateBackupScheduleDto extends PartialType(CreateBackupScheduleDto) {}

export class BackupScheduleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) workspaceId!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() cron!: string;
  @ApiProperty({ description: 'Canonical IANA name.' }) timezone!: string;
  @ApiProperty({ enum: POLICY_TYPE_NAMES, isArray: true }) policyTypes!: string[];
  @ApiProperty() keepLast!: number;
  @ApiProperty({ enum: ['skip', 'allow'] }) overlapPolicy!: OverlapPolicy;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The next fire (null when disabled).',
  })
  nextFireAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(schedule: BackupSchedule): BackupScheduleDto {
    const { deletedAt: _deleted, ...rest } = schedule;
    return Object.assign(new BackupScheduleDto(), rest);
  }
}

export class BackupScheduleListDto {
  @ApiProperty({ type: [BackupScheduleDto] }) items!: BackupScheduleDto[];
}

export class ScheduleRunsQueryDto extends OmitType(ListRunsQueryDto, ['tenantId'] as const) {}
