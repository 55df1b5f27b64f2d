import { OutOfScopeReasonCodes, RequesterWaitReasons, SUPPORT_CATEGORIES, SupportDelays, ThirdPartyKinds, outOfScopeCase, outOfScopeReasonText, thirdPartyText } from '../src';

describe('P6 support catalogue', () => {
  it('has the six categories of the rules, each with in-scope cases', () => {
    expect(SUPPORT_CATEGORIES.map((c) => c.code)).toEqual(['installation_setup', 'efficiency', 'software_updates', 'software_errors', 'development', 'theory']);
    for (const category of SUPPORT_CATEGORIES) expect(category.inScope.length).toBeGreaterThan(0);
  });

  it('gives every out-of-scope case at least one known kind of third party, and unique codes', () => {
    const all = SUPPORT_CATEGORIES.flatMap((c) => [...c.inScope, ...c.outOfScope].map((x) => x.code));
    expect(new Set(all).size).toBe(all.length);
    for (const code of OutOfScopeReasonCodes) {
      const found = outOfScopeCase(code);
      expect(found?.case.thirdParties.length).toBeGreaterThan(0);
      for (const kind of found!.case.thirdParties) expect(ThirdPartyKinds).toContain(kind);
    }
    expect(outOfScopeCase('runtime_errors')).toBeUndefined();
  });

  it('P6: every out-of-scope reason and third-party kind has words for the requester in English and Russian', () => {
    for (const code of OutOfScopeReasonCodes) {
      expect(outOfScopeReasonText(code, 'en')).toBe(outOfScopeCase(code)?.case.text);
      expect(outOfScopeReasonText(code, 'ru')).toMatch(/\p{Script=Cyrillic}/u);
    }
    for (const kind of ThirdPartyKinds) for (const language of ['en', 'ru'] as const) expect(thirdPartyText(kind, language)).toEqual(expect.any(String));
    expect(outOfScopeReasonText('reopen_window_ended', 'en')).toBeUndefined();
    expect(thirdPartyText('toString', 'en')).toBeUndefined();
  });

  it('keeps requester-side wait reasons and support-side delays apart (P10)', () => {
    expect(RequesterWaitReasons.filter((r) => (SupportDelays as readonly string[]).includes(r))).toEqual([]);
    expect(RequesterWaitReasons).toEqual(expect.arrayContaining(['cannot_reproduce', 'insufficient_information', 'malware', 'unlicensed_os']));
  });
});
