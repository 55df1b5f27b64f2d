import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { REQUESTER_SCOPES } from '@tss/contracts';
import type { DataSource } from 'typeorm';
import type { AccessTokenClaims, Clock, SiteLinkMinter, TssClaims } from '@tss/service-kit';
import { UNKNOWN_CLIENT_SECRET_HASH, verifyClientSecret, type SecretVerifier } from '../domain/client-secret';
import { allowedScopes, grantScopes, isClientInGoodStanding } from '../domain/grants';
import { siteClientId } from '../domain/site-client';
import { findClientStanding } from '../store/client-standing';
import { ApiClientEntity, type ApiClientRow } from '../store/gateway.entities';
import type { KeyRing } from '../store/key-ring';

/** Access tokens live at most 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 900;

export interface TokenSettings {
  issuer: string;
  audience: string;
}

export type TokenError = { error: 'invalid_client' | 'invalid_scope' | 'invalid_request' | 'unsupported_grant_type'; description: string };

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export const signAccessToken = async (keys: KeyRing, settings: TokenSettings, clock: Clock, claims: TssClaims) => {
  const key = await keys.signingKey();
  const nowSeconds = Math.floor(clock.now().getTime() / 1000);
  const payload: AccessTokenClaims = { ...claims, jti: randomUUID(), iat: nowSeconds, exp: nowSeconds + ACCESS_TOKEN_TTL_SECONDS };
  return jwt.sign(payload, key.privateKey, { algorithm: 'ES256', keyid: key.kid, issuer: settings.issuer, audience: settings.audience });
};

export interface ClientTokenDeps {
  dataSource: DataSource;
  keys: KeyRing;
  clock: Clock;
  settings: TokenSettings;
  /** The secret check (scrypt); injectable so tests can see that every path pays for it. */
  verifySecret?: SecretVerifier;
}

/** A token request's grant, client credentials and scope, as sent. */
export interface ClientTokenRequest {
  grantType?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
}

/**
 * RFC 6749 §4.4.2 up to the token: the grant type, the client's authentication and the scope it
 * may have. Changes nothing, so the token endpoint's refusals can be told before anything is issued.
 */
export const authenticateClient = async (
  deps: Pick<ClientTokenDeps, 'dataSource' | 'verifySecret'>,
  input: ClientTokenRequest,
): Promise<{ ok: true; client: ApiClientRow; scopes: string[] } | { ok: false; error: TokenError }> => {
  // RFC 6749 §5.2: a required parameter missing is invalid_request; unsupported_grant_type names a grant type sent.
  if (input.grantType === undefined) return { ok: false, error: { error: 'invalid_request', description: 'grant_type is required: client_credentials.' } };
  if (input.grantType !== 'client_credentials') {
    return { ok: false, error: { error: 'unsupported_grant_type', description: 'Only client_credentials is supported.' } };
  }
  if (!input.clientId || !input.clientSecret) return { ok: false, error: { error: 'invalid_request', description: 'client_id and client_secret are required.' } };
  const verifySecret = deps.verifySecret ?? verifyClientSecret;
  const standing = await findClientStanding(deps.dataSource, input.clientId);
  // The same answer, after the same scrypt work, for an unknown client, a wrong secret, a disabled
  // client and one of a deactivated partner: neither the answer nor its timing tells which client
  // ids exist.
  const known = standing && isClientInGoodStanding(standing.client, standing.partnerActive) ? standing.client : undefined;
  const secretMatches = await verifySecret(input.clientSecret, known?.secretHash ?? UNKNOWN_CLIENT_SECRET_HASH);
  if (!known || !secretMatches) {
    return { ok: false, error: { error: 'invalid_client', description: 'Client authentication failed.' } };
  }
  const grant = grantScopes(input.scope, allowedScopes(known.kind, known.roles));
  if (!grant.ok) return { ok: false, error: { error: 'invalid_scope', description: `Not allowed: ${grant.invalid.join(' ')}` } };
  return { ok: true, client: known, scopes: grant.scopes };
};

/** OAuth 2.0 client credentials grant (RFC 6749 §4.4). */
export const issueClientToken = async (deps: ClientTokenDeps, input: ClientTokenRequest): Promise<{ ok: true; token: IssuedToken } | { ok: false; error: TokenError }> => {
  const authenticated = await authenticateClient(deps, input);
  if (!authenticated.ok) return authenticated;
  const { client: known, scopes } = authenticated;
  const accessToken = await signAccessToken(deps.keys, deps.settings, deps.clock, {
    sub: known.clientId,
    kind: known.kind,
    client_id: known.clientId,
    ...(known.partnerId ? { partner_id: known.partnerId } : {}),
    roles: known.roles,
    scope: scopes.join(' '),
    ver: known.tokenVersion,
  });
  return { ok: true, token: { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS, scope: scopes.join(' ') } };
};

/** A partner mints a token for one of its clients (P12: a site link for a requester whose mail is filtered). */
export const issueRequesterToken = async (
  deps: { dataSource: DataSource; keys: KeyRing; clock: Clock; settings: TokenSettings },
  input: { clientId: string; partnerId: string; requesterId: string; email?: string },
): Promise<IssuedToken> => {
  // The requester's token lives and dies with the partner client that minted it.
  const minter = await deps.dataSource.getRepository(ApiClientEntity).findOneBy({ clientId: input.clientId });
  const scope = REQUESTER_SCOPES.join(' ');
  const accessToken = await signAccessToken(deps.keys, deps.settings, deps.clock, {
    sub: `requester:${input.partnerId}:${input.requesterId}`,
    kind: 'requester',
    client_id: input.clientId,
    partner_id: input.partnerId,
    requester_id: input.requesterId,
    ...(input.email ? { requester_email: input.email } : {}),
    roles: [],
    scope,
    ver: minter?.tokenVersion ?? 0,
  });
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS, scope };
};

/**
 * A token the support site acts with inside the gateway (never handed out): for a requester of a
 * link, or for the partner whose public form files a request. Its client is the partner's site
 * client (domain/site-client.ts), checked against the partner's site token version. A form's token
 * names the visitor who posted it as its subject (`visitor-address:<digest>`), so the edge gives each
 * visitor a budget of their own (docs/adr/0011 addendum).
 */
export const issueSiteToken = async (
  deps: { keys: KeyRing; clock: Clock; settings: TokenSettings },
  input: { partnerId: string; siteTokenVersion: number; requester?: string; visitor?: string; mintedBy?: SiteLinkMinter; siteLinkId?: string },
): Promise<string> =>
  signAccessToken(deps.keys, deps.settings, deps.clock, {
    sub:
      input.requester !== undefined
        ? `requester:${input.partnerId}:${input.requester}`
        : input.visitor !== undefined
          ? `visitor-address:${input.visitor}`
          : siteClientId(input.partnerId),
    kind: input.requester !== undefined ? 'requester' : 'partner',
    client_id: siteClientId(input.partnerId),
    partner_id: input.partnerId,
    ...(input.requester !== undefined ? { requester_id: input.requester } : {}),
    // A link minted through the API acts for its minter too (RFC 8693 actor): intake records it, rating refuses a staff one.
    ...(input.requester !== undefined && input.mintedBy
      ? { act: { kind: input.mintedBy.kind, sub: input.mintedBy.id, ...(input.siteLinkId ? { link_id: input.siteLinkId } : {}) } }
      : {}),
    roles: [],
    scope: REQUESTER_SCOPES.join(' '),
    ver: input.siteTokenVersion,
  });
