/**
 * A requester known only by an e-mail address is `mail:<address>` (docs/adr/0039): a requester
 * token and the support site (P12) can name them, whether the request came by mail or by API.
 */
export const mailRequesterId = (address: string): string => `mail:${address.trim().toLowerCase()}`;

/** Requester ids are at most this long (the API's limit on `requester.id`). */
export const REQUESTER_ID_MAX_LENGTH = 200;

/**
 * The requester as stored: its id, or the mail-address id when only an address is given and that
 * id fits (an address of over 195 characters stays without one).
 */
export const withRequesterId = <R extends { email?: string; id?: string }>(requester: R | undefined): R | undefined => {
  if (!requester || requester.id || !requester.email) return requester;
  const id = mailRequesterId(requester.email);
  return id.length <= REQUESTER_ID_MAX_LENGTH ? { ...requester, id } : requester;
};
