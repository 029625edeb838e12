import type { Repository } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { SystemClock } from '../../infrastructure/clock';
import type { UsedUploadToken } from './entities/used-upload-token.entity';
import { UploadTokenService } from './upload-token.service';

describe(UploadTokenService.name, () => {
  const withSecret = (uploadTokenSecret?: string, uploadTokenPreviousSecret?: string) =>
    new UploadTokenService(
      { keyStore: { uploadTokenSecret, uploadTokenPreviousSecret, uploadTokenTtlMs: 60_000 } } as AppConfig,
      {} as Repository<UsedUploadToken>,
      new SystemClock(),
    );

  it('refuses every token when no verification service shares a secret with us', async () => {
    const minted = await withSecret('a-secret-shared-with-the-health-authority').mint({
      flow: 'ggd',
      reportType: 1,
      maxKeys: 14,
    });
    const sut = withSecret(undefined);
    expect(() => sut.verify(minted.token)).toThrow(
      expect.objectContaining({ slug: 'upload-tokens-disabled' }),
    );
    await expect(sut.mint({ flow: 'ggd', reportType: 1, maxKeys: 14 })).rejects.toThrow(
      /UPLOAD_TOKEN_SECRET/,
    );
  });

  it('verifies what the service minted with the shared secret', async () => {
    const sut = withSecret('a-secret-shared-with-the-health-authority');
    const { token } = await sut.mint({ flow: 'ggd', reportType: 1, maxKeys: 14, onsetDate: '2026-12-01' });
    expect(sut.verify(token)).toMatchObject({
      flow: 'ggd',
      reportType: 1,
      maxKeys: 14,
      onsetDate: '2026-12-01',
    });
  });

  it('accepts tokens of the previous secret during a rotation, and signs with the new one', async () => {
    const [before, next] = ['the-secret-we-shared-until-today-0001', 'the-secret-we-share-from-today-00002'];
    const claims = { flow: 'ggd', reportType: 1, maxKeys: 14 };
    const { token: issuedBefore } = await withSecret(before).mint(claims);
    const during = withSecret(next, before);
    expect(during.verify(issuedBefore)).toMatchObject(claims);
    const { token: issuedDuring } = await during.mint(claims);
    const after = withSecret(next);
    expect(after.verify(issuedDuring)).toMatchObject(claims);
    expect(() => after.verify(issuedBefore)).toThrow('The upload token is not valid.');
  });
});
