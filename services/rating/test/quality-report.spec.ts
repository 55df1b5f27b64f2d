import { qualityCsv, qualityRow } from '../src/domain/quality-report';

const counts = { ratings: 3, satisfied: 2, scoreSum: 11, notSolved: 1, responses: 5, surveys: 4, reopened: 1, slaMet: 2, slaBreached: 1 };

describe('quality report figures and CSV', () => {
  it('CSAT is the share of 4–5, percent with one decimal; figures of nothing are null, not 0', () => {
    expect(qualityRow('a', counts)).toMatchObject({ csatPercent: 66.7, averageScore: 3.67, reopenRatePercent: 25, slaCompliancePercent: 66.7 });
    expect(qualityRow('a', { ...counts, ratings: 0, satisfied: 0, scoreSum: 0, surveys: 0, reopened: 0, slaMet: 0, slaBreached: 0 })).toMatchObject({
      csatPercent: null,
      averageScore: null,
      reopenRatePercent: null,
      slaCompliancePercent: null,
    });
  });

  it('RFC 4180 quoting, and a cell a spreadsheet would run as a formula is defused', () => {
    const csv = qualityCsv('agent', [qualityRow('=HYPERLINK("x")', counts), qualityRow('Smith, Ann', counts)]);
    const [, first, second] = csv.split('\r\n');
    expect(first.startsWith(`"'=HYPERLINK(""x"")",3,`)).toBe(true);
    expect(second.startsWith('"Smith, Ann",3,')).toBe(true);
  });
});
