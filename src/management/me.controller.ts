import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Principal, ROLE_CAPABILITIES } from '#libs/authz';
import { RecordNotFoundError } from '#libs/common/errors';
import { isUuid } from '#libs/common/ids';
import { ApiTokensService, WorkspacesService } from '#libs/tenancy';
import { MeDto } from './dto/me.dto.js';
import { CreatedTokenDto, CreateTokenDto, TokenDto, TokenListDto } from './dto/token.dto.js';

@ApiTags('me')
@Controller('me')
export class MeController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly tokens: ApiTokensService,
  ) {}

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

  @Get('tokens')
  @Authenticated()
  @ApiOperation({ summary: 'The caller’s API tokens (not revoked), newest first; never secrets.' })
  @ApiOkResponse({ type: TokenListDto })
  async listTokens(@CurrentPrincipal() principal: Principal): Promise<TokenListDto> {
    return { items: (await this.tokens.listOwn(principal.user.id)).map(TokenDto.from) };
  }

  @Post('tokens')
  @Authenticated()
  @ApiOperation({ summary: 'A new API token for the caller; its secret is in this answer only.' })
  @ApiCreatedResponse({ type: CreatedTokenDto })
  async createToken(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateTokenDto,
  ): Promise<CreatedTokenDto> {
    const { token, summary } = await this.tokens.issue(
      principal.user.id,
      body.name,
      principal.actor,
      body.expiresAt ?? null,
    );
    return { ...TokenDto.from(summary), token };
  }

  @Delete('tokens/:tokenId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authenticated()
  @ApiOperation({ summary: 'Revoke one of the caller’s tokens (this one included).' })
  @ApiNoContentResponse()
  async revokeToken(
    @CurrentPrincipal() principal: Principal,
    @Param('tokenId') tokenId: string,
  ): Promise<void> {
    // Someone else's token is "not found", exactly as one that does not exist.
    if (!isUuid(tokenId)) throw new RecordNotFoundError('API token');
    await this.tokens.revoke(tokenId, principal.actor, principal.user.id);
  }
}
