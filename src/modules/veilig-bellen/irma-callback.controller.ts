import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { Public, SkipCsrf } from '../accounts/auth/auth.decorators';
import { VeiligBellenService } from './veilig-bellen.service';

class IrmaCallbackParams {
  @Matches(/^[0-9a-f-]{36}$/, { message: 'sessionId: a UUID' })
  sessionId!: string;

  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'mac: 43 base64url characters' })
  mac!: string;
}

/**
 * The IRMA server's `callbackUrl` (VEILIG_BELLEN_IRMA_STATUS_UPDATES=callback): irmago POSTs the
 * session result there when a session finishes (JSON, or a JWT as text with `jwt_privkey`). We only
 * take it as a signal; the outcome is read from the IRMA server with our requestor token.
 */
@ApiExcludeController()
@Public()
@SkipCsrf()
@Controller('api/veilig-bellen/irma/sessions')
export class IrmaCallbackController {
  constructor(private readonly service: VeiligBellenService) {}

  @Post(':sessionId/finished/:mac')
  @HttpCode(204)
  async finished(@Param() p: IrmaCallbackParams): Promise<void> {
    await this.service.irmaCallback(p.sessionId, p.mac);
  }
}
