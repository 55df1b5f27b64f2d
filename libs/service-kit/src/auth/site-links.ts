import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { err, ok, type Result } from '../result';

/**
 * Links to the requester's support site (P12, issue #13): `GET /support/t/{token}` shows one ticket
 * to its requester. The token names the ticket, its partner and requester and an expiry, and is
 * sealed under a key the gateway (which opens it) and notification (which puts a link in every
 * mail) share. The gateway keeps the revocations. docs/adr/0037.
 *
 * Format: `v2.<kid>.<base64url(iv ‖ ciphertext ‖ tag)>`, the payload encrypted and authenticated
 * with AES-256-GCM under a key derived from the configured secret (HKDF-SHA256), the version and key
 * id bound as additional data: whoever sees the URL (a proxy's log, a shared screen) learns nothing
 * of the ticket, the partner or the requester's address. Links minted before (`v1.<kid>.<base64url
 * payload>.<base64url HMAC-SHA256>`, signed only) still open until they expire. No JSON Web Token
 * library, because no other party reads it and a fixed format leaves no algorithm to choose.
 */
export const SiteLinkEnv = {
  TSS_SITE_LINK_KEYS: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=_-]{43,}( *, *[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=_-]{43,})*$',
      description:
        'Keys of the support-site links, `id:base64` of at least 32 bytes, comma-separated (spaces around a comma are allowed, as in TSS_MASTER_KEYS); the first signs, all verify (rotation). The gateway and notification need the same list. Unset: a key made at start, shared by the services of the process, so links die with it (single-process development only).',
    }),
  ),
  TSS_SITE_LINK_TTL_MS: Type.Integer({
    minimum: 3_600_000,
    maximum: 90 * 86_400_000,
    default: 14 * 86_400_000,
    description: 'How long a support-site link opens (links in mails and links partners mint); 1 hour to 90 days, default 14 days',
  }),
  TSS_PUBLIC_URL: Type.String({
    pattern: '^https?://[^\\s]+[^/]$',
    default: 'http://127.0.0.1:3000',
    description:
      "The gateway's address as requesters open it: the start of every support-site and rating link. Unset: `npm start` uses the address it serves on (http://HOST:PORT), `npm run start:services` the gateway's; a service process alone this default",
  }),
};
export type SiteLinkSettings = Static<ReturnType<typeof Type.Object<typeof SiteLinkEnv>>>;

export interface SiteLinkGrant {
  /** This link's id: a revocation names it. */
  linkId: string;
  ticketId: string;
  partnerId: string;
  /** The requester's id, or `mail:<address>` for a requester known only by e-mail. */
  requester: string;
  /** The page's language, the requester's (en, ru). */
  language?: string;
  expiresAt: Date;
  /**
   * Who minted it through the API (`POST /v1/tickets/{id}/site-links`): a partner's client or a
   * staff member. None for the links notification puts in the requester's own mail. What is done
   * through a staff member's link is theirs, not the requester's (docs/adr/0037, fifth session).
   */
  mintedBy?: SiteLinkMinter;
}

/** Who minted a site link through the API. */
export interface SiteLinkMinter {
  kind: 'partner' | 'staff';
  /** The partner's client id, or the staff member's id. */
  id: string;
}

const MINTER = /^(partner|staff):(.+)$/s;

export type SiteLinkProblem = 'malformed' | 'unknown_key' | 'bad_signature' | 'expired';

interface Key {
  id: string;
  secret: Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALING_INFO = 'tss support-site link v2: AES-256-GCM';
const sealingKeys = new WeakMap<Key, Buffer>();
/** The AES key of a configured secret (HKDF-SHA256): the secret itself also keys v1's HMAC. */
const sealingKeyOf = (key: Key): Buffer => {
  let derived = sealingKeys.get(key);
  if (!derived) sealingKeys.set(key, (derived = Buffer.from(hkdfSync('sha256', key.secret, Buffer.alloc(0), SEALING_INFO, 32))));
  return derived;
};

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** Without configured keys, one key per process: the gateway and notification of one process share it. */
let processKey: Key | undefined;

/** The keys of site links: the first signs, every one verifies. */
export class SiteLinkKeys {
  private constructor(private readonly keys: readonly Key[]) {}

  /** Parses `TSS_SITE_LINK_KEYS`; a fresh random key when unset. */
  static fromSettings(settings: Pick<SiteLinkSettings, 'TSS_SITE_LINK_KEYS'>): SiteLinkKeys {
    const value = settings.TSS_SITE_LINK_KEYS;
    if (!value) return new SiteLinkKeys([(processKey ??= { id: `eph-${randomBytes(4).toString('hex')}`, secret: randomBytes(32) })]);
    return new SiteLinkKeys(
      value.split(',').map((pair) => {
        const [id, secret] = pair.trim().split(':');
        return { id, secret: Buffer.from(secret, secret.includes('-') || secret.includes('_') ? 'base64url' : 'base64') };
      }),
    );
  }

  /** What is wrong with `TSS_SITE_LINK_KEYS` beyond its pattern (short keys, repeated ids). */
  static problems(settings: Pick<SiteLinkSettings, 'TSS_SITE_LINK_KEYS'>): string[] {
    if (!settings.TSS_SITE_LINK_KEYS) return [];
    const keys = SiteLinkKeys.fromSettings(settings).keys;
    const problems: string[] = [];
    for (const k of keys) if (k.secret.length < 32) problems.push(`TSS_SITE_LINK_KEYS: key ${k.id} has ${k.secret.length} bytes; at least 32 are needed`);
    const repeated = keys.map((k) => k.id).filter((id, i, ids) => ids.indexOf(id) !== i);
    for (const id of new Set(repeated)) problems.push(`TSS_SITE_LINK_KEYS: key id ${id} appears twice`);
    return problems;
  }

  /** True when the keys were made at start (no TSS_SITE_LINK_KEYS): worth a warning outside development. */
  get ephemeral(): boolean {
    return this.keys[0].id.startsWith('eph-');
  }

  mint(grant: Omit<SiteLinkGrant, 'linkId'> & { linkId?: string }): { token: string; grant: SiteLinkGrant } {
    const full: SiteLinkGrant = { ...grant, linkId: grant.linkId ?? randomUUID() };
    const payload = Buffer.from(
      JSON.stringify({
        l: full.linkId,
        t: full.ticketId,
        p: full.partnerId,
        r: full.requester,
        ...(full.language ? { g: full.language } : {}),
        ...(full.mintedBy ? { m: `${full.mintedBy.kind}:${full.mintedBy.id}` } : {}),
        e: Math.floor(full.expiresAt.getTime() / 1000),
      }),
    );
    const key = this.keys[0];
    const header = `v2.${key.id}`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', sealingKeyOf(key), iv, { authTagLength: TAG_BYTES }).setAAD(Buffer.from(header));
    const sealed = Buffer.concat([iv, cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
    return { token: `${header}.${b64url(sealed)}`, grant: full };
  }

  verify(token: string, now: Date): Result<SiteLinkGrant, SiteLinkProblem> {
    const signed = this.readSigned(token);
    if (!signed.ok) return signed;
    if (signed.value.expiresAt.getTime() <= now.getTime()) return err('expired');
    return signed;
  }

  /**
   * The grant of a link whose signature holds, whether or not it has expired: what a page refusing
   * an expired link may still take the link's word for (its language). Never a grant to act on:
   * `verify` is, which also checks the expiry.
   */
  readSigned(token: string): Result<SiteLinkGrant, Exclude<SiteLinkProblem, 'expired'>> {
    const parts = token.split('.');
    const shaped = (parts[0] === 'v2' && parts.length === 3) || (parts[0] === 'v1' && parts.length === 4);
    if (!shaped || token.length > 2048) return err('malformed');
    const key = this.keys.find((k) => k.id === parts[1]);
    if (!key) return err('unknown_key');
    const payload = parts[0] === 'v2' ? this.open(key, parts) : this.checkSigned(key, parts);
    if (!payload.ok) return payload;
    let claims: { l?: unknown; t?: unknown; p?: unknown; r?: unknown; g?: unknown; m?: unknown; e?: unknown };
    try {
      claims = JSON.parse(payload.value.toString('utf8')) as typeof claims;
    } catch {
      return err('malformed');
    }
    const { l, t, p, r, g, m, e } = claims;
    if (typeof l !== 'string' || typeof t !== 'string' || typeof p !== 'string' || typeof r !== 'string' || typeof e !== 'number') return err('malformed');
    // A minter the link names but that cannot be read is no link: never a staff link taken for the requester's.
    const minter = m === undefined ? undefined : typeof m === 'string' ? MINTER.exec(m) : null;
    if (minter === null) return err('malformed');
    const expiresAt = new Date(e * 1000);
    return ok({
      linkId: l,
      ticketId: t,
      partnerId: p,
      requester: r,
      ...(typeof g === 'string' ? { language: g } : {}),
      ...(minter ? { mintedBy: { kind: minter[1] as SiteLinkMinter['kind'], id: minter[2] } } : {}),
      expiresAt,
    });
  }

  /** v2: the payload, when its tag holds under `key` and the version and key id it was sealed with. */
  private open(key: Key, [version, kid, sealed]: string[]): Result<Buffer, 'bad_signature'> {
    const bytes = Buffer.from(sealed, 'base64url');
    // One spelling per link: a decoder drops the unused bits of the last character (and any
    // character outside the alphabet), so only the text the bytes encode back to opens.
    if (bytes.length <= IV_BYTES + TAG_BYTES || bytes.toString('base64url') !== sealed) return err('bad_signature');
    try {
      const decipher = createDecipheriv('aes-256-gcm', sealingKeyOf(key), bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${version}.${kid}`)).setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return ok(Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]));
    } catch {
      return err('bad_signature');
    }
  }

  /** v1 (minted before links were sealed): the payload, when its HMAC holds under `key`. */
  private checkSigned(key: Key, parts: string[]): Result<Buffer, 'bad_signature'> {
    const expected = Buffer.from(this.mac(key, parts.slice(0, 3).join('.')));
    const given = Buffer.from(parts[3]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return err('bad_signature');
    return ok(Buffer.from(parts[2], 'base64url'));
  }

  private mac(key: Key, data: string): string {
    return createHmac('sha256', key.secret).update(data).digest('base64url');
  }
}

/** The site address of a link. */
export const siteLinkUrl = (settings: Pick<SiteLinkSettings, 'TSS_PUBLIC_URL'>, token: string): string => `${settings.TSS_PUBLIC_URL}/support/t/${token}`;
