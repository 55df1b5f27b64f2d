import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

/** scrypt parameters (RFC 7914); N=2^14 keeps a token request near 20 ms on one core. */
const PARAMS = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

/** A new client secret: 32 random bytes, base64url, shown once. */
export const newClientSecret = (): string => randomBytes(32).toString('base64url');

export const hashClientSecret = async (secret: string): Promise<string> => {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, KEY_LENGTH, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
};

/**
 * A hash no secret matches (its secret was thrown away), with the same parameters as real ones: an
 * unknown or disabled client is checked against it, so the token endpoint spends the same scrypt
 * work whether or not the client id exists and its timing does not tell ids apart.
 */
export const UNKNOWN_CLIENT_SECRET_HASH = 'scrypt$16384$8$1$0UDirjUBEZuRTB0bzB5__Q$3cnJsmvupe7xMg9n3mkuADvHnu5iV_kqjw5XWOIHm8E';

export type SecretVerifier = (secret: string, stored: string) => Promise<boolean>;

/** Constant-time check of a presented secret against its stored hash. */
export const verifyClientSecret: SecretVerifier = async (secret, stored) => {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};
