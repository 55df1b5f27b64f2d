import { createHash } from 'node:crypto';

/** 32 random bytes, base64url without padding: the only credential of the public rating routes. */
export const SURVEY_TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export type RandomBytes = (size: number) => Uint8Array;

/** A new single-use token; only its hash is stored (docs/adr/0040-ratings.md). */
export const newSurveyToken = (randomBytes: RandomBytes): string => Buffer.from(randomBytes(SURVEY_TOKEN_BYTES)).toString('base64url');

/**
 * What the store keeps and looks up: SHA-256 of the token. 256 random bits need no salt or slow
 * hash: a leaked table yields nothing to guess from.
 */
export const surveyTokenHash = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** A token of the shape we issue; anything else is a forged or mangled link, answered like an unknown one. */
export const isSurveyTokenShaped = (token: string): boolean => TOKEN_SHAPE.test(token);

/** The link in the mail and in `rating.requested`: the gateway's public address and the page that rates. */
export const rateUrlOf = (publicUrl: string, token: string): string => `${publicUrl.replace(/\/+$/, '')}/rate/${token}`;
