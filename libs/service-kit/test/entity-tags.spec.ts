import { ifMatchAdmits, ifMatchNamesAVersion, ifNoneMatchMatches } from '../src/entity-tags';

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
