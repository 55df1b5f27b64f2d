import { compliancePercent, reportCsv, reportRows } from '../../src/domain/sla-report';

const figures = (level: 'emergency' | 'standard', met: number, breached: number) => ({
  level,
  owed: met + breached + 1,
  met,
  breached,
  cancelled: 1,
  open: 0,
  medianResponseMs: met + breached > 0 ? 3_600_000 : null,
  p90ResponseMs: null,
  resolved: 0,
  medianResolutionMs: null,
  p90ResolutionMs: null,
});

describe('the SLA report', () => {
  it('compliance counts clocks decided either way, to one decimal; none decided is no figure', () => {
    expect(compliancePercent(2, 1)).toBe(66.7);
    expect(compliancePercent(0, 0)).toBeNull();
    expect(compliancePercent(3, 0)).toBe(100);
  });

  it('rows follow the order of the levels (P5), and the CSV leaves missing figures empty', () => {
    const rows = reportRows([figures('standard', 0, 0), figures('emergency', 1, 1)]);
    expect(rows.map((r) => [r.level, r.compliancePercent])).toEqual([
      ['emergency', 50],
      ['standard', null],
    ]);
    expect(reportCsv(rows).split('\r\n')).toEqual([
      'level,owed,met,breached,cancelled,open,compliancePercent,medianResponseMs,p90ResponseMs,resolved,medianResolutionMs,p90ResolutionMs',
      'emergency,3,1,1,1,0,50,3600000,,0,,',
      'standard,1,0,0,1,0,,,,0,,',
      '',
    ]);
  });
});
