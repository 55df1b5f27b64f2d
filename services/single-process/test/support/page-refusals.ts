import { gzipSync } from 'node:zlib';
import { connectRequest, requestWithMethod } from './raw-requests';

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** A plain page of the pages' kit (`@tss/web-pages`) with `status`, never problem+json; `what` names the case in a failure. */
export const expectPage = (response: Answer, status: number, what: string): void => {
  expect({ what, status: response.status, type: response.headers['content-type'] }).toEqual({ what, status, type: 'text/html; charset=utf-8' });
  expect(response.text).toMatch(/^<!doctype html>/);
  expect(response.headers['content-security-policy']).toContain("default-src 'none'");
};

/** A path as a failure names it: a link's token cut short. */
const shown = (path: string): string => path.replace(/[^/?=&]{40,}/g, (token) => `${token.slice(0, 12)}…`);

/** The words of the plain pages these checks expect, as `@tss/web-pages` says them (kit-strings.ts). */
export const PAGE_WORDS = {
  notFound: { en: 'Page not found', ru: 'Страница не найдена' },
  badRequest: { en: 'The request could not be read', ru: 'Не удалось прочитать запрос' },
} as const;

/** Methods no page route takes; PUT is the one the pages answered with their 404 page already. */
export const ODD_METHODS = ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'QUERY', 'PROPFIND', 'TRACE'] as const;

/** A form's address, and the language of the link it names when the pages vouch for one (a survey's, a signed link's). */
export interface FormAddress {
  path: string;
  linkLanguage?: 'en' | 'ru';
}

/**
 * docs/rating.md and docs/support-site.md: a form in a content coding other than identity is the
 * plain 415 page ("could not be read", as a `text/plain` form), with `Accept-Encoding: identity`,
 * in the link's language or else the reader's (Accept-Language), never the API's problem+json.
 */
export const expectEncodedFormsArePages = async (baseUrl: string, forms: readonly FormAddress[]): Promise<void> => {
  const form = gzipSync('_csrf=x&text=hello&score=5');
  for (const { path, linkLanguage } of forms) {
    for (const [coding, readerLanguage] of [
      ['gzip', 'en'],
      ['br', 'ru'],
    ] as const) {
      const answer = await requestWithMethod(
        baseUrl,
        'POST',
        path,
        { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': coding, 'accept-language': readerLanguage },
        form,
      );
      expectPage(answer, 415, `POST ${shown(path)} in ${coding}`);
      expect({ path: shown(path), coding, acceptEncoding: answer.headers['accept-encoding'] }).toEqual({ path: shown(path), coding, acceptEncoding: 'identity' });
      expect(answer.text).toContain(PAGE_WORDS.badRequest[linkLanguage ?? readerLanguage]);
    }
  }
};

/**
 * A method no page route takes is the page PUT gets there, the 404 page, in the reader's language:
 * QUERY (with a Content-Type or without), PROPFIND, TRACE and OPTIONS too, and CONNECT, written on
 * the socket before it closes (docs/adr/0045, addendum of 2026-12-05, third session).
 */
export const expectOddMethodsArePages = async (baseUrl: string, paths: readonly string[]): Promise<void> => {
  for (const path of paths) {
    for (const method of ODD_METHODS) {
      const answer = await requestWithMethod(baseUrl, method, path, { 'accept-language': 'ru' });
      expectPage(answer, 404, `${method} ${shown(path)}`);
      expect(answer.text).toContain(PAGE_WORDS.notFound.ru);
    }
    const queried = await requestWithMethod(baseUrl, 'QUERY', path, { 'content-type': 'text/plain' }, 'select');
    expectPage(queried, 404, `QUERY ${shown(path)} with a body`);
    expect(queried.text).toContain(PAGE_WORDS.notFound.en);

    const connected = await connectRequest(baseUrl, path, { 'Accept-Language': 'ru' });
    expect({ path: shown(path), head: connected.head, connection: connected.headers.connection }).toEqual({ path: shown(path), head: 'HTTP/1.1 404 Not Found', connection: 'close' });
    expectPage(connected, 404, `CONNECT ${shown(path)}`);
    expect(connected.text).toContain(PAGE_WORDS.notFound.ru);
    expect(Buffer.byteLength(connected.text)).toBe(Number(connected.headers['content-length']));
  }
};
