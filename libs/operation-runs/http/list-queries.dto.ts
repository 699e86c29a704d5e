import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { PageQueryDto } from '#libs/common/pagination';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { RUN_OUTCOMES, RUN_STATUSES, type RunOutcome, type RunStatus } from '../run-types.js';

/** The runs API's filters, with `limit` and `cursor`. */
export class ListRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('loose')
  tenantId?: string;

  @ApiPropertyOptional({ description: 'A run type, e.g. inventory_sync.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string;

  @ApiPropertyOptional({ enum: RUN_STATUSES })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;

  @ApiPropertyOptional({ enum: RUN_OUTCOMES })
  @IsOptional()
  @IsIn(RUN_OUTCOMES)
  outcome?: RunOutcome;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('loose')
  initiatorId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Runs created at or after.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  createdFrom?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Runs created before.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  createdTo?: Date;
}

export class NotificationsQueryDto extends PickType(PageQueryDto, ['limit'] as const) {
  @ApiPropertyOptional({ description: 'Only notifications older than this id.' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be a notification id' })
  before?: string;

  @ApiPropertyOptional({ description: 'Only unread notifications.' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';
}
