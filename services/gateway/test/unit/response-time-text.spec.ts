import { durationText } from '../../src/http/support-site/site-strings';

const HOUR_MS = 3_600_000;

describe('the support site says response times as the requester reads them (P5)', () => {
  it.each([
    ['en', 6 * HOUR_MS, '6 hours'],
    ['en', HOUR_MS, '1 hour'],
    ['en', 24 * HOUR_MS, '24 hours'],
    ['en', 7 * 24 * HOUR_MS, '7 days'],
    ['en', 90 * 60_000, '90 minutes'],
    ['en', 61_000, '2 minutes'],
    ['ru', 6 * HOUR_MS, '6 часов'],
    ['ru', 21 * HOUR_MS, '21 часа'],
    ['ru', 2 * 24 * HOUR_MS, '2 дней'],
    ['ru', 21 * 24 * HOUR_MS, '21 дня'],
    ['ru', 30 * 60_000, '30 минут'],
  ] as const)('%s %d ms: %s', (language, ms, text) => {
    expect(durationText(language, ms)).toBe(text);
  });
});
