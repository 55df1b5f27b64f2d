/**
 * The support site acts for a partner and its requesters through intake's API with tokens it mints
 * itself (docs/adr/0037). Their `client_id` is the partner's site client, `site:<partnerId>`: not a
 * row of api_clients but the partner's own row, whose `site_token_version` the revocation check
 * compares, so bumping it (or deactivating the partner) stops every site token at once.
 */
const SITE_CLIENT = /^site:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const siteClientId = (partnerId: string): string => `site:${partnerId}`;

/** The partner of a site client id, or undefined for any other client id. */
export const sitePartnerOf = (clientId: string): string | undefined => SITE_CLIENT.exec(clientId)?.[1];
