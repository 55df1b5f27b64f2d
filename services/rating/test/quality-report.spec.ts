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
    const csv = qualityCsv('agent', [qualityRow('=HYPERLINK("x")', counts), qualityRow('Smith, Ann', counts)], qualityRow(null, counts));
    const [, first, second] = csv.split('\r\n');
    expect(first.startsWith(`"'=HYPERLINK(""x"")",3,`)).toBe(true);
    expect(second.startsWith('"Smith, Ann",3,')).toBe(true);
  });

  it('the last line is the total, marked (total) in the key column; with no groups it is the only one', () => {
    const total = { ...counts, ratings: 6, satisfied: 4, scoreSum: 22 };
    expect(qualityCsv('level', [qualityRow('standard', counts), qualityRow(null, counts)], qualityRow(null, total)).split('\r\n').slice(-3)).toEqual([
      ',3,66.7,3.67,1,5,4,1,25,2,1,66.7',
      '(total),6,66.7,3.67,1,5,4,1,25,2,1,66.7',
      '',
    ]);
    expect(qualityCsv('product', [], qualityRow(null, { ...counts, ratings: 0, satisfied: 0, scoreSum: 0 })).split('\r\n')).toEqual([
      'product,ratings,csatPercent,averageScore,notSolved,responses,surveys,reopened,reopenRatePercent,slaMet,slaBreached,slaCompliancePercent',
      '(total),0,,,1,5,4,1,25,2,1,66.7',
      '',
    ]);
  });
});
