import { singleProcessConfigProblems } from '../../src/single-process.config';

describe("the single process's listeners are on ports of their own (docs/adr/0015, addendum of 2026-12-05, fourth session)", () => {
  it('PORT, METRICS_PORT and the embedded PostgreSQL\'s TSS_PG_PORT: a clash is named, a defaulted METRICS_PORT with where it came from', () => {
    expect(singleProcessConfigProblems({})).toEqual([]);
    expect(singleProcessConfigProblems({ PORT: '8080', METRICS_PORT: '8080' })).toEqual(['METRICS_PORT=8080 is PORT too: each listener needs a port of its own']);
    expect(singleProcessConfigProblems({ PORT: '24431' })).toEqual(['METRICS_PORT (unset: PORT + 1000 = 25431) is TSS_PG_PORT too: each listener needs a port of its own']);
    expect(singleProcessConfigProblems({ PORT: '25431' })).toEqual(['PORT=25431 is TSS_PG_PORT too: each listener needs a port of its own']);
  });

  it('no clash: port 0 (any free one), or PostgreSQL elsewhere (DATABASE_URL); a bad port is the schema\'s to name', () => {
    expect(singleProcessConfigProblems({ PORT: '0', METRICS_PORT: '0' })).toEqual([]);
    expect(singleProcessConfigProblems({ PORT: '25431', DATABASE_URL: 'postgres://h/tss' })).toEqual([]);
    expect(singleProcessConfigProblems({ PORT: 'eighty', METRICS_PORT: '8080' })).toEqual([]);
  });
});
