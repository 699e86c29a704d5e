import { ApiProperty } from '@nestjs/swagger';
import type { DirectoryGroup } from '../directory-group.repository.js';

export class DirectoryGroupDto {
  @ApiProperty({ description: 'The Entra object id.' }) id!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true }) mail!: string | null;
  @ApiProperty({ type: Boolean, nullable: true }) mailEnabled!: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true }) securityEnabled!: boolean | null;
  @ApiProperty() syncedAt!: Date;
  @ApiProperty({ type: String, nullable: true, description: 'Null once that run has been pruned.' })
  lastSeenOperationRunId!: string | null;

  static from(group: DirectoryGroup): DirectoryGroupDto {
    return Object.assign(new DirectoryGroupDto(), group);
  }
}

export class DirectoryGroupPageDto {
  @ApiProperty({ type: [DirectoryGroupDto] }) items!: DirectoryGroupDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
