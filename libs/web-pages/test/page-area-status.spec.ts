import { pageStatusOfAreaError } from '../src/fastify-pages';

// What a page area (service-kit's answerFrameworkErrorsUnder) answers the errors it is handed with.
describe('pageStatusOfAreaError', () => {
  it('keeps the request deadline’s 408 and a content coding’s 415 (docs/adr/0045, addendum of 2026-12-05, third session)', () => {
    expect([pageStatusOfAreaError({ statusCode: 408 }), pageStatusOfAreaError({ statusCode: 415 })]).toEqual([408, 415]);
  });

  it('answers anything the router refused (a malformed URL, an over-long token), or no status at all, as a link that opens nothing: 404', () => {
    expect([400, 414, 404, undefined].map((statusCode) => pageStatusOfAreaError({ statusCode }))).toEqual([404, 404, 404, 404]);
  });
});
