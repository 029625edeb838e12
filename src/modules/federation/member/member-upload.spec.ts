import { classifyUploadResponse } from './member-upload.service';

const answer = (status: number, body: unknown = '') => ({
  status,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

describe(classifyUploadResponse.name, () => {
  const sut = classifyUploadResponse;

  it('counts 201 as delivered, and 409 too: our tag hashes the body, so only an earlier try can have used it', () => {
    expect(sut(answer(201), 3)).toEqual({ kind: 'delivered' });
    expect(sut(answer(409, { message: 'BatchTag already exists.' }), 3)).toMatchObject({ kind: 'delivered' });
  });

  it('releases every key of a 207 that the gateway did not hold already (nothing of the upload was kept)', () => {
    expect(sut(answer(207, { '201': [0, 2], '409': [1, 3], '500': [4] }), 5)).toEqual({
      kind: 'partial',
      release: [0, 2, 4],
    });
  });

  it('retries a 207 without conflicts and one whose map it cannot read: the same bytes may go through later', () => {
    expect(sut(answer(207, { '201': [0], '409': [], '500': [1] }), 2)).toMatchObject({ kind: 'retry' });
    expect(sut(answer(207, 'not json'), 2)).toMatchObject({ kind: 'retry' });
  });

  it.each([403, 408, 429, 500, 502, 503])(
    'retries %i (certificates, load, outages: nothing wrong with the batch)',
    (status) => {
      expect(sut(answer(status), 1)).toMatchObject({ kind: 'retry' });
    },
  );

  it.each([400, 406, 413, 415])(
    'rejects %i for good, with the gateway’s message: resending the same bytes cannot help',
    (status) => {
      expect(sut(answer(status, { message: 'Invalid signature' }), 1)).toEqual({
        kind: 'rejected',
        error: `HTTP ${status}: Invalid signature`,
      });
    },
  );
});
