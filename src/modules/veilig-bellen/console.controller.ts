import { Controller, Get, HttpCode, MessageEvent, Param, Post, Req, Sse } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { interval, map, merge, Observable, startWith } from 'rxjs';
import { Roles, type AuthenticatedRequest } from '../accounts/auth/auth.decorators';
import { SessionIdParamDto } from './dto/widget.dto';
import { LiveCallBus } from './live-calls.bus';
import { VeiligBellenService, type ConsoleCall } from './veilig-bellen.service';

/** The agent console of the agent's own municipality. */
@ApiTags('veilig-bellen console')
@Roles('agent')
@Controller('api/veilig-bellen/console')
export class ConsoleController {
  constructor(
    private readonly service: VeiligBellenService,
    private readonly bus: LiveCallBus,
  ) {}

  @Get('calls')
  @ApiOperation({ summary: 'Verified calls of my municipality with the disclosed attributes' })
  calls(@Req() req: AuthenticatedRequest): Promise<ConsoleCall[]> {
    return this.service.listCalls(req.auth!.user);
  }

  /** Server-sent "changed" nudges (no data); the console then re-reads `calls`. A heartbeat keeps proxies from closing it. */
  @Sse('events')
  @ApiOperation({ summary: 'Live change notifications (server-sent events)' })
  events(@Req() req: AuthenticatedRequest): Observable<MessageEvent> {
    const org = req.auth!.user.organisationId;
    return merge(
      this.bus.changes(org).pipe(
        startWith(undefined),
        map((): MessageEvent => ({ type: 'changed', data: '{}' })),
      ),
      interval(15_000).pipe(map((): MessageEvent => ({ type: 'ping', data: '{}' }))),
    );
  }

  @Post('calls/:id/take')
  @HttpCode(200)
  @ApiOperation({ summary: 'Route this call to my VoIP client (exactly one agent gets it)' })
  take(@Req() req: AuthenticatedRequest, @Param() p: SessionIdParamDto): Promise<ConsoleCall> {
    return this.service.take(req.auth!.user, p.id);
  }

  @Post('calls/:id/end')
  @HttpCode(204)
  @ApiOperation({ summary: "Close the call: the caller's data is deleted" })
  end(@Req() req: AuthenticatedRequest, @Param() p: SessionIdParamDto): Promise<void> {
    return this.service.end(req.auth!.user, p.id);
  }
}
