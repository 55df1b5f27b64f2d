import { failedPrecondition, ifMatchAdmits, ifMatchNamesAVersion, ifNoneMatchMatches } from '../src/entity-tags';

describe('entity tags in conditional requests (RFC 9110 §13.1)', () => {
  it('If-Match compares strongly: the current tag, one of a list, or *; a weak tag never admits a change', () => {
    expect(ifMatchAdmits('"3"', '"3"')).toBe(true);
    expect(ifMatchAdmits(' "2" , "3" ', '"3"')).toBe(true);
    expect(ifMatchAdmits('*', '"3"')).toBe(true);
    expect(ifMatchAdmits('W/"3"', '"3"')).toBe(false);
    expect(ifMatchAdmits('W/"2", W/"3"', '"3"')).toBe(false);
    expect(ifMatchAdmits('"3"', 'W/"3"')).toBe(false);
    expect(ifMatchAdmits('"2"', '"3"')).toBe(false);
    expect(ifMatchAdmits('3', '"3"')).toBe(false);
    expect(ifMatchAdmits('"a,b"', '"a,b"')).toBe(true);
  });

  it('If-Match: * names no version: a write that must be made over the version read refuses it as if absent', () => {
    expect(ifMatchNamesAVersion('*')).toBe(false);
    expect(ifMatchNamesAVersion(' * ')).toBe(false);
    expect(ifMatchNamesAVersion('"3"')).toBe(true);
    expect(ifMatchNamesAVersion('W/"3"')).toBe(true); // a tag, refused later as weak (412)
  });

  it('If-None-Match compares weakly: the current tag weak or strong, one of a list, or *', () => {
    expect(ifNoneMatchMatches('"3"', '"3"')).toBe(true);
    expect(ifNoneMatchMatches('W/"3"', '"3"')).toBe(true);
    expect(ifNoneMatchMatches('"1", W/"3"', '"3"')).toBe(true);
    expect(ifNoneMatchMatches('*', '"3"')).toBe(true);
    expect(ifNoneMatchMatches('"2"', '"3"')).toBe(false);
    expect(ifNoneMatchMatches('', '"3"')).toBe(false);
    expect(ifNoneMatchMatches('3', '"3"')).toBe(false);
  });
});

describe('the preconditions of a state-changing request (RFC 9110 §13.2.2)', () => {
  const tagged = { exists: true as const, etags: ['"3"'] };
  const untagged = { exists: true as const, etags: [] };
  const absent = { exists: false as const };

  it('If-Match: the current tag (strongly) or *, which needs a current representation', () => {
    expect(failedPrecondition({ ifMatch: '"3"' }, tagged)).toBeUndefined();
    expect(failedPrecondition({ ifMatch: '"2", "3"' }, tagged)).toBeUndefined();
    expect(failedPrecondition({ ifMatch: '*' }, tagged)).toBeUndefined();
    expect(failedPrecondition({ ifMatch: '*' }, untagged)).toBeUndefined();
    for (const ifMatch of ['"2"', 'W/"3"', 'bogus', '']) expect(failedPrecondition({ ifMatch }, tagged)).toBe('if-match');
    // Without an ETag no tag can match (§13.1.1); nothing there, not even *.
    expect(failedPrecondition({ ifMatch: '"bogus"' }, untagged)).toBe('if-match');
    expect(failedPrecondition({ ifMatch: '*' }, absent)).toBe('if-match');
  });

  it('If-None-Match: a match (weakly) or * with something there is the failure; a tag the resource never had is no match', () => {
    for (const ifNoneMatch of ['"3"', 'W/"3"', '"1", "3"', '*']) expect(failedPrecondition({ ifNoneMatch }, tagged)).toBe('if-none-match');
    expect(failedPrecondition({ ifNoneMatch: '"2"' }, tagged)).toBeUndefined();
    expect(failedPrecondition({ ifNoneMatch: '*' }, untagged)).toBe('if-none-match');
    expect(failedPrecondition({ ifNoneMatch: '"3"' }, untagged)).toBeUndefined();
    expect(failedPrecondition({ ifNoneMatch: '*' }, absent)).toBeUndefined();
  });

  it('If-Match is judged first; both must hold', () => {
    expect(failedPrecondition({ ifMatch: '"2"', ifNoneMatch: '*' }, tagged)).toBe('if-match');
    expect(failedPrecondition({ ifMatch: '"3"', ifNoneMatch: '*' }, tagged)).toBe('if-none-match');
    expect(failedPrecondition({ ifMatch: '"3"', ifNoneMatch: '"4"' }, tagged)).toBeUndefined();
    expect(failedPrecondition({}, absent)).toBeUndefined();
  });
});
