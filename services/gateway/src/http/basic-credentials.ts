import { err, ok, type Result } from '@tss/service-kit';

export interface ClientCredentials {
  id: string;
  secret: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const formDecode = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined; // URIError: `%zz` and friends; the caller answers 400
  }
};

/**
 * Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1: id and secret each
 * form-urlencoded, joined by a colon, base64). No Basic header is `ok(undefined)`; a Basic header
 * that is not well formed is a failure the token endpoint answers with a 400, never a 500.
 */
export const basicCredentials = (header: string | undefined): Result<ClientCredentials | undefined, string> => {
  const match = /^Basic\s+(\S*)\s*$/i.exec(header ?? '');
  if (!match) return ok(undefined);
  const encoded = match[1];
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return err('The Basic credentials are not base64.');
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return err('The Basic credentials are not UTF-8.');
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return err('The Basic credentials have no colon between client id and secret.');
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (id === undefined || secret === undefined) return err('The Basic credentials are not validly percent-encoded.');
  if (!id) return err('The Basic credentials name no client.');
  return ok({ id, secret });
};
