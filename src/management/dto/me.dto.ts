import { ApiProperty } from '@nestjs/swagger';
import { ALL_CAPABILITIES, type Capability } from '#libs/authz';
import { ROLES, type Role } from '#libs/roles';

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
}

export class MyMembershipDto {
  @ApiProperty({ format: 'uuid' }) workspaceId!: string;
  @ApiProperty() workspaceName!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ enum: ALL_CAPABILITIES, isArray: true }) capabilities!: Capability[];
}

export class MeDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ type: [MyMembershipDto] }) memberships!: MyMembershipDto[];
}
