import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDate,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { RUN_OUTCOMES, RUN_STATUSES, type RunOutcome, type RunStatus } from '../run-types.js';

/** `limit`: a page of 1 to 200 items (50 when absent). */
class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class ListRunsQueryDto extends PageQuery {
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

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class NotificationsQueryDto extends PageQuery {
  @ApiPropertyOptional({ description: 'Only notifications older than this id.' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be a notification id' })
  before?: string;

  @ApiPropertyOptional({ description: 'Only unread notifications.' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';
}
