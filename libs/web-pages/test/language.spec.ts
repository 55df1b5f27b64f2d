import { defineStrings, pickLanguage, translate } from '../src';

describe('pickLanguage', () => {
  it("prefers the known language (a link's) over the browser's", () => {
    expect(pickLanguage('ru', 'en-GB,en;q=0.9')).toBe('ru');
    expect(pickLanguage('ru-RU', undefined)).toBe('ru');
  });

  it('falls back to Accept-Language by q-value when the known one is absent or not ours', () => {
    expect(pickLanguage(undefined, 'de-DE,ru;q=0.8,en;q=0.5')).toBe('ru');
    expect(pickLanguage('fr', 'en;q=0.3, ru-RU;q=0.7')).toBe('ru');
    expect(pickLanguage(undefined, 'ru;q=0, en')).toBe('en');
  });

  it('is English when nothing matches', () => {
    expect(pickLanguage(undefined, undefined)).toBe('en');
    expect(pickLanguage(undefined, 'de, fr;q=0.5')).toBe('en');
    expect(pickLanguage(undefined, ';;;,q=abc')).toBe('en');
  });
});

describe('translate', () => {
  const strings = defineStrings({ en: { hello: 'Hello, {name}; {missing}' }, ru: { hello: 'Здравствуйте, {name}' } });
  it('fills placeholders in the chosen language and leaves unknown ones', () => {
    expect(translate(strings, 'en', 'hello', { name: 'Ann' })).toBe('Hello, Ann; {missing}');
    expect(translate(strings, 'ru', 'hello', { name: 'Анна' })).toBe('Здравствуйте, Анна');
  });
});
