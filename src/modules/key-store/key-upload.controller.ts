import { Body, Controller, Headers, HttpCode, Post, UseFilters } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { badRequest } from '../../common/http/problem';
import { Clock } from '../../infrastructure/clock';
import { checkUploadKeys, type KeyUploadRequest } from '../../protocol/key-upload';
import { Public, SkipCsrf } from '../accounts/auth/auth.decorators';
import { checkKeyUploadBody, KeyUploadDto, KeyUploadResponseDto } from './dto/key-upload.dto';
import { KeyUploadService } from './key-upload.service';
import { PaddedProblemFilter, responsePadding } from './response-padding';
import { UploadLatency } from './upload-latency';

export const KEY_UPLOAD_PATH = '/api/v1/diagnosis-keys';
/** A full upload (30 keys, metadata, padding) is far below this; anything larger is not an app. */
export const KEY_UPLOAD_BODY_LIMIT = '64kb';

@ApiTags('key store')
@Public()
@SkipCsrf()
@UseFilters(PaddedProblemFilter)
@Controller()
export class KeyUploadController {
  /** Decoys take as long as real uploads take on this instance. */
  private readonly latency = new UploadLatency();

  constructor(
    private readonly uploads: KeyUploadService,
    private readonly clock: Clock,
  ) {}

  @Post(KEY_UPLOAD_PATH.slice(1))
  @HttpCode(200)
  @ApiOperation({
    summary: 'Upload diagnosis keys with proof from a verification flow',
    description:
      'Authorise with `Authorization: Bearer <upload token>` or a `verification` object (professional-signed flow). ' +
      'Each refusal is problem+json with `reason` and, for key problems, `keyIndex`. Every answer carries random `padding`.',
  })
  @ApiHeader({
    name: 'X-Chaff',
    required: false,
    description: 'Marks a decoy upload: answered like a real one, nothing stored',
  })
  @ApiBody({ type: KeyUploadDto })
  @ApiOkResponse({ type: KeyUploadResponseDto })
  async upload(
    // Not a DTO class, so the global ValidationPipe leaves it to checkKeyUploadBody.
    @Body() raw: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Headers('x-chaff') chaff: string | undefined,
  ): Promise<KeyUploadResponseDto> {
    const started = performance.now();
    const body = checkKeyUploadBody(raw);
    if (chaff) return this.decoy(body, started);
    const inserted = await this.uploads.upload(body, authorization);
    this.latency.observe(performance.now() - started);
    return { insertedKeys: inserted, padding: responsePadding() };
  }

  /** Same checks on the keys, same status and shape, a duration like a real upload's; nothing is stored. */
  private async decoy(body: KeyUploadRequest, started: number): Promise<KeyUploadResponseDto> {
    const checked = checkUploadKeys(body.keys, this.clock.now().getTime());
    if (!checked.ok)
      throw badRequest(`key-${checked.reason}`, checked.detail, {
        reason: checked.reason,
        keyIndex: checked.keyIndex,
      });
    const wait = this.latency.draw() - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return { insertedKeys: checked.keys.length, padding: responsePadding() };
  }
}
