import {
  checkDownloadDate,
  keysForDownloader,
  NEXT_BATCH_TAG_NONE,
  nextBatchTagHeader,
  parseNextBatchTagHeader,
} from './download';

describe(nextBatchTagHeader.name, () => {
  const sut = nextBatchTagHeader;

  it('writes the literal string "null" at the end of the chain, never an absent header', () => {
    expect(sut(null)).toBe('null');
    expect(sut(undefined)).toBe(NEXT_BATCH_TAG_NONE);
    expect(sut('20201019-4')).toBe('20201019-4');
  });
});

describe(parseNextBatchTagHeader.name, () => {
  const sut = parseNextBatchTagHeader;

  it('reads "null" as the end of the chain', () => {
    expect(sut('null')).toBeNull();
  });

  it('returns the next tag to follow', () => {
    expect(sut(' 20201019-4 ')).toBe('20201019-4');
  });

  it('treats an absent or empty header as the end too', () => {
    expect(sut(undefined)).toBeNull();
    expect(sut('')).toBeNull();
  });
});

describe(checkDownloadDate.name, () => {
  const sut = checkDownloadDate;
  const now = new Date('2020-10-19T00:30:00Z');

  it('accepts today and the two days before', () => {
    expect(['2020-10-19', '2020-10-18', '2020-10-17'].map((d) => sut(d, now).ok)).toEqual([true, true, true]);
  });

  it('answers 410 for older dates', () => {
    expect(sut('2020-10-16', now)).toEqual({ ok: false, status: 410, message: 'Requested date is too old!' });
  });

  it.each(['2020-10-32', '19-10-2020', '20201019', 'today'])('answers 400 for %p', (date) => {
    expect(sut(date, now)).toMatchObject({ ok: false, status: 400 });
  });

  it('follows a configured maximum age', () => {
    expect(sut('2020-10-16', now, 3)).toEqual({ ok: true, day: '2020-10-16' });
  });
});

describe(keysForDownloader.name, () => {
  const sut = keysForDownloader;

  it('excludes only what the downloader’s own country uploaded, ignoring visitedCountries', () => {
    const rows = [
      { id: 1, uploaderCountry: 'NO', visitedCountries: ['FR'] },
      { id: 2, uploaderCountry: 'FR', visitedCountries: ['NO'] },
      { id: 3, uploaderCountry: 'DE', visitedCountries: [] },
      { id: 4, uploaderCountry: 'DE', visitedCountries: ['IT'] },
    ];

    expect(sut(rows, 'FR').map((r) => r.id)).toEqual([1, 3, 4]);
  });

  it('can serve an empty batch when all keys are the downloader’s own', () => {
    expect(sut([{ uploaderCountry: 'FR' }], 'FR')).toEqual([]);
  });
});
