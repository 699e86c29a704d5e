import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Principal, ROLE_CAPABILITIES } from '#libs/authz';
import { WorkspacesService } from '#libs/tenancy';
import { MeDto } from './dto/me.dto.js';

@ApiTags('me')
@Controller('me')
export class MeController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'The caller, their workspaces, roles and capabilities.' })
  @ApiOkResponse({ type: MeDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<MeDto> {
    const memberships = await this.workspaces.membershipsOf(principal.user.id);
    return {
      user: principal.user,
      memberships: memberships.map((m) => ({ ...m, capabilities: [...ROLE_CAPABILITIES[m.role]] })),
    };
  }
}
