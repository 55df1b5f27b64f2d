import { canonicalJson } from '../src/canonical-json';

describe('canonicalJson', () => {
  it('gives objects that differ only in key order, at any depth, the same text', () => {
    const a = { product: 'reader', requester: { name: 'Ann', id: 'c-1' }, tags: [{ y: 1, x: 2 }] };
    const b = { tags: [{ x: 2, y: 1 }], requester: { id: 'c-1', name: 'Ann' }, product: 'reader' };

    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"product":"reader","requester":{"id":"c-1","name":"Ann"},"tags":[{"x":2,"y":1}]}');
  });

  it('keeps values, array order and the difference between present and absent members', () => {
    expect(canonicalJson({ list: [1, 2] })).not.toBe(canonicalJson({ list: [2, 1] }));
    expect(canonicalJson({ a: 'x' })).not.toBe(canonicalJson({ a: 'y' }));
    expect(canonicalJson({ a: 'x', b: undefined })).toBe(canonicalJson({ a: 'x' }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });
});
