import { createHash } from 'node:crypto';
import { workedKeyA } from '../../../test/fixtures/efgs/diagnosis-keys';
import { encodeBatchProtobuf } from './batch-codec';
import {
  formatGatewayBatchTag,
  formatUtcDay,
  memberBatchTag,
  nextGatewayBatchTag,
  parseGatewayBatchTag,
  parseUtcDay,
} from './batch-tag';

describe(formatGatewayBatchTag.name, () => {
  const sut = formatGatewayBatchTag;

  it('formats yyyyMMdd-N in UTC, whatever the local zone would say', () => {
    expect(sut(new Date('2020-10-19T23:59:59-02:00'), 3)).toBe('20201020-3');
    expect(sut(new Date('2020-01-05T00:00:00Z'), 12)).toBe('20200105-12');
  });

  it.each([0, -1, 1.5])('refuses sequence %p', (sequence) => {
    expect(() => sut(new Date(), sequence)).toThrow(RangeError);
  });
});

describe(parseGatewayBatchTag.name, () => {
  const sut = parseGatewayBatchTag;

  it('parses the day and sequence', () => {
    expect(sut('20201019-3')).toEqual({ day: '2020-10-19', sequence: 3 });
  });

  it.each(['20201019', '20201019-0', '20201019-01', '2020-10-19-1', '20201032-1', '20210229-1', 'abc', ''])(
    'refuses %p',
    (tag) => {
      expect(sut(tag)).toBeUndefined();
    },
  );
});

describe(nextGatewayBatchTag.name, () => {
  const sut = nextGatewayBatchTag;
  const now = new Date('2020-10-19T08:00:00Z');

  it('counts up within a UTC day', () => {
    expect(sut('20201019-3', now)).toBe('20201019-4');
  });

  it('restarts at 1 on a new day, after a foreign tag or with no previous batch', () => {
    expect(sut('20201018-9', now)).toBe('20201019-1');
    expect(sut('0f3a…', now)).toBe('20201019-1');
    expect(sut(undefined, now)).toBe('20201019-1');
  });
});

describe(memberBatchTag.name, () => {
  const sut = memberBatchTag;

  it('is the lower-case hex SHA-256 of the protobuf body', () => {
    const body = encodeBatchProtobuf({ keys: [workedKeyA] });

    expect(sut(body)).toBe(createHash('sha256').update(body).digest('hex'));
    expect(sut(body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for a re-encoded identical batch, so a retry reuses its tag', () => {
    expect(sut(encodeBatchProtobuf({ keys: [workedKeyA] }))).toBe(
      sut(encodeBatchProtobuf({ keys: [{ ...workedKeyA }] })),
    );
  });
});

describe('formatUtcDay / parseUtcDay', () => {
  it('round-trip a UTC day', () => {
    expect(formatUtcDay(new Date('2020-10-19T23:59:59.999Z'))).toBe('2020-10-19');
    expect(parseUtcDay('2020-10-19')).toEqual(new Date('2020-10-19T00:00:00Z'));
  });

  it.each(['2020-02-30', '2020-13-01', '2020-1-01', '20201019', '2020-10-19T00:00:00Z', ''])(
    'parseUtcDay refuses %p',
    (text) => {
      expect(parseUtcDay(text)).toBeUndefined();
    },
  );
});
