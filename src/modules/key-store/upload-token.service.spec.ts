import type { Repository } from 'typeorm';
import { loadConfig } from '../../config/app-config';
import { SystemClock } from '../../infrastructure/clock';
import type { UsedUploadToken } from './entities/used-upload-token.entity';
import { UploadTokenService, type UploadTokenClaims } from './upload-token.service';

describe('UploadTokenService: rotating UPLOAD_TOKEN_SECRET', () => {
  const OLD = 'Kq3vX9mZt2LwR8pN5sHdY7jB4cFgA6eU';
  const NEW = 'Wn4rT8yQ2kLp6ZsV9mXcH3bJ7dGf5aEu';
  const claims: UploadTokenClaims = { flow: 'test', reportType: 1, maxKeys: 14 };
  const sut = (env: Record<string, string>) =>
    new UploadTokenService(loadConfig(env), {} as Repository<UsedUploadToken>, new SystemClock());

  it('accepts tokens the previous secret signed while it is configured, and signs with the new one', async () => {
    const { token: issuedBefore } = await sut({ UPLOAD_TOKEN_SECRET: OLD }).mint(claims);
    const during = sut({ UPLOAD_TOKEN_SECRET: NEW, UPLOAD_TOKEN_PREVIOUS_SECRET: OLD });
    expect(during.verify(issuedBefore)).toMatchObject(claims);
    const { token: issuedDuring } = await during.mint(claims);
    const after = sut({ UPLOAD_TOKEN_SECRET: NEW });
    expect(after.verify(issuedDuring)).toMatchObject(claims);
    expect(() => after.verify(issuedBefore)).toThrow('The upload token is not valid.');
  });
});
