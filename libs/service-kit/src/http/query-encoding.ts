import type { FastifyInstance } from 'fastify';
import { MAX_LISTED_VALIDATION_ERRORS, sendProblem } from '../problem';
import { problemType } from '../problem-types';

const MESSAGE = 'must be percent-encoded UTF-8 (RFC 3986 section 2.5)';

const decodes = (component: string): boolean => {
  try {
    decodeURIComponent(component.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
};

/** The names of the query parameters whose name or value is not percent-encoded UTF-8. */
const badlyEncoded = (query: string): string[] =>
  query
    .split('&')
    .filter((pair) => !pair.split('=').every(decodes))
    .map((pair) => {
      const name = pair.split('=')[0];
      return decodes(name) ? decodeURIComponent(name.replace(/\+/g, ' ')) : name;
    });

/**
 * A query whose bytes are not UTF-8 (`q=%FF`, an encoded surrogate) or whose percent-encoding is
 * broken (`%E0%A4%A`) is a 400 problem naming the parameter. The query parser would otherwise
 * hand the route the text with replacement characters or the raw escapes, and a search would
 * answer 200 for a query nobody sent (DESIGN "Edge input": never a silent replacement).
 */
export const installStrictQueryEncoding = (app: FastifyInstance): void => {
  app.addHook('onRequest', async (request, reply) => {
    const at = request.url.indexOf('?');
    if (at < 0) return;
    const bad = badlyEncoded(request.url.slice(at + 1));
    if (bad.length === 0) return;
    const listed = bad.slice(0, MAX_LISTED_VALIDATION_ERRORS);
    return sendProblem(reply, {
      type: problemType('validation'),
      title: 'Your request is not valid',
      status: 400,
      detail: `querystring ${listed.join(', ')}${bad.length > listed.length ? ` and ${bad.length - listed.length} more` : ''} ${MESSAGE}`,
      errorCount: bad.length,
      errors: listed.map((name) => ({ in: 'querystring', pointer: `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: MESSAGE })),
    });
  });
};
