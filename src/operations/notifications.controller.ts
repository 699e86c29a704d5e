import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Principal } from '#libs/authz';
import { NotificationsQueryDto, NotificationsService } from '#libs/operation-runs';
import { NotificationDto, NotificationListDto } from './dto/notification.dto.js';

@ApiTags('me')
@Controller('me/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'Notifications about the runs the caller started, newest first.' })
  @ApiOkResponse({ type: NotificationListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: NotificationsQueryDto,
  ): Promise<NotificationListDto> {
    const items = await this.notifications.list(principal.user.id, {
      limit: query.limit ?? 50,
      before: query.before,
      unreadOnly: query.unread === 'true',
    });
    return { items: items.map(NotificationDto.from) };
  }

  @Post(':id/read')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authenticated()
  @ApiOperation({ summary: 'Mark one of the caller’s notifications read.' })
  @ApiNoContentResponse()
  async markRead(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.notifications.markRead(principal.user.id, id);
  }
}
