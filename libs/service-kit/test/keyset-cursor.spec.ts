import { createHash } from 'node:crypto';
import { cursorInstant, cursorPositiveInteger, cursorSerial, cursorUuid, keysetCursor } from '../src/keyset-cursor';

// docs/adr/0027: the check value is no secret, so a decoded sort key is held to what its column holds.
describe('the sort keys a cursor may decode to', () => {
  it('a bigserial: positive decimal text up to bigint’s maximum', () => {
    expect(['1', '9007199254740993', '9223372036854775807'].map(cursorSerial)).toEqual(['1', '9007199254740993', '9223372036854775807']);
    expect(['0', '-1', '01', '1.5', '9223372036854775808', '9999999999999999999', '12345678901234567890', ''].map(cursorSerial)).toEqual(Array(8).fill(undefined));
    expect([42, null, undefined, ['1']].map(cursorSerial)).toEqual(Array(4).fill(undefined));
  });

  it('an integer column: 1 to 2^31 − 1', () => {
    expect([1, 2147483647].map(cursorPositiveInteger)).toEqual([1, 2147483647]);
    expect([0, -1, 1.5, 2147483648, 9007199254740991, Number.NaN, Infinity, '7'].map(cursorPositiveInteger)).toEqual(Array(8).fill(undefined));
  });

  it('an instant: exactly as a cursor writes it, so Date never rolls a day or an hour over', () => {
    for (const instant of ['2026-04-01T10:00:00.000Z', '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) expect(cursorInstant(instant)?.toISOString()).toBe(instant);
    for (const instant of ['2026-02-30T10:00:00.000Z', '2026-04-01T24:00:00.000Z', '2026-04-01T23:59:60.000Z', '2026-13-01T00:00:00.000Z', '2026-04-01T10:00:00Z', '2026-04-01']) {
      expect(cursorInstant(instant)).toBeUndefined();
    }
  });

  it('a uuid, in PostgreSQL’s form', () => {
    expect(cursorUuid('3f0c2a4e-8b1d-4c6e-9a2f-1b2c3d4e5f60')).toBe('3f0c2a4e-8b1d-4c6e-9a2f-1b2c3d4e5f60');
    expect(['3f0c2a4e8b1d4c6e9a2f1b2c3d4e5f60x', 'not-a-uuid', 7].map(cursorUuid)).toEqual(Array(3).fill(undefined));
  });
});

// A re-test (2026-12-05, fifth session): a cursor re-signed around the JSON `null` answered 500 on every list.
describe('a re-signed cursor whose body is no envelope', () => {
  const resigned = (json: string): string => {
    const body = Buffer.from(json).toString('base64url');
    return `${body}.${createHash('sha256').update(`tss-cursor:${body}`).digest('base64url').slice(0, 16)}`;
  };
  const holder = { kind: 'partner', partnerId: 'p-1' } as const;

  it.each(['null', 'true', '7', '"text"', '[]', '[null]'])('%s is the 400 of a cursor not ours, never a throw', (json) => {
    const decoded = keysetCursor('tickets').decode(resigned(json), holder, {});
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toMatchObject({ kind: 'bad_request' });
  });
});
