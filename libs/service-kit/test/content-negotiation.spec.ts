import Fastify from 'fastify';
import request from 'supertest';
import { negotiateMediaType, preferredMediaType } from '../src/http/content-negotiation';

const REPORT = ['application/json', 'text/csv'] as const;
const pick = (accept: string | undefined) => preferredMediaType(accept, REPORT);

describe('content negotiation (RFC 9110 §12.5.1)', () => {
  it('the type weighed highest wins; a tie, no Accept, or an empty one goes to the first offered', () => {
    expect(pick('text/csv')).toBe('text/csv');
    expect(pick('application/json;q=0.5, text/csv')).toBe('text/csv');
    expect(pick('text/*')).toBe('text/csv');
    expect(pick('text/csv, application/json')).toBe('application/json');
    expect(pick('*/*')).toBe('application/json');
    expect(pick(undefined)).toBe('application/json');
    expect(pick('')).toBe('application/json');
    expect(pick('TEXT/CSV')).toBe('text/csv');
  });

  it('q=0 means not acceptable: the refused type is never chosen, and when nothing is acceptable the first offered is sent', () => {
    expect(pick('text/csv;q=0')).toBe('application/json');
    expect(pick('text/csv; q=0.000')).toBe('application/json');
    expect(pick('application/json;q=0, text/csv;q=0')).toBe('application/json');
    expect(pick('image/png')).toBe('application/json');
    expect(pick('application/json;q=0, */*')).toBe('text/csv');
  });

  it('the most specific matching range decides a type’s weight, however a wildcard weighs it', () => {
    expect(pick('*/*, text/csv;q=0')).toBe('application/json');
    expect(pick('text/*;q=0.9, text/csv;q=0, application/json;q=0.1')).toBe('application/json');
    expect(pick('application/*;q=0.2, text/*;q=0.5')).toBe('text/csv');
    expect(pick('*/*;q=0.1, text/csv;q=0.8')).toBe('text/csv');
  });

  it('a range whose weight is not a qvalue is ignored', () => {
    expect(pick('text/csv;q=abc')).toBe('application/json');
    expect(pick('text/csv;q=1.5')).toBe('application/json');
    expect(pick('text/csv;q=-1, application/json;q=0')).toBe('application/json');
  });

  it('marks the answer Vary: Accept, keeping what other hooks put in Vary', async () => {
    const app = Fastify();
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('vary', 'Origin');
    });
    app.get('/report', async (request, reply) => {
      const type = negotiateMediaType(request, reply, REPORT);
      negotiateMediaType(request, reply, REPORT); // twice: Accept is listed once
      return reply.type(type).send(type === 'text/csv' ? 'a,b\r\n' : '{}');
    });
    await app.ready();
    const csv = await request(app.server).get('/report').set('accept', 'text/csv');
    const json = await request(app.server).get('/report').set('accept', 'text/csv;q=0');
    await app.close();

    expect([csv.headers['content-type'], csv.headers.vary]).toEqual(['text/csv', 'Origin, Accept']);
    expect([json.headers['content-type'], json.headers.vary]).toEqual(['application/json; charset=utf-8', 'Origin, Accept']);
  });
});
