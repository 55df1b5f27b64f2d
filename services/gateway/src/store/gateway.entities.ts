import { EntitySchema } from 'typeorm';
import type { Language, StaffRole } from '@tss/contracts';
import type { ClientKind } from '../domain/grants';
import type { SsoStaffMember } from '../domain/sso-staff';

export const GATEWAY_SCHEMA = 'gateway';

export interface SigningKeyRow {
  kid: string;
  algorithm: string;
  /** Only rows written before key wrapping (docs/adr/0014); wrapped and cleared at the next start. */
  privateKeyPem: string | null;
  /** The PKCS#8 DER private key, wrapped under `masterKeyId` (KeyWrapper). */
  wrappedPrivateKey: Buffer | null;
  masterKeyId: string | null;
  publicJwk: Record<string, string>;
  createdAt: Date;
  /** Published in the JWKS from `createdAt`, signs from here: verifiers have fetched it by then. */
  signsFrom: Date;
  retiredAt: Date | null;
}

export const SigningKeyEntity = new EntitySchema<SigningKeyRow>({
  name: 'SigningKey',
  tableName: 'signing_keys',
  columns: {
    kid: { type: 'text', primary: true },
    algorithm: { type: 'text' },
    privateKeyPem: { name: 'private_key_pem', type: 'text', nullable: true },
    wrappedPrivateKey: { name: 'wrapped_private_key', type: 'bytea', nullable: true },
    masterKeyId: { name: 'master_key_id', type: 'text', nullable: true },
    publicJwk: { name: 'public_jwk', type: 'jsonb' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    signsFrom: { name: 'signs_from', type: 'timestamptz' },
    retiredAt: { name: 'retired_at', type: 'timestamptz', nullable: true },
  },
});

/**
 * The master key the gateway generated for itself because TSS_MASTER_KEYS was not set: a
 * development default (single-process mode), stored beside what it protects (docs/adr/0014).
 */
export interface GeneratedMasterKeyRow {
  id: string;
  key: Buffer;
  createdAt: Date;
}

export const GeneratedMasterKeyEntity = new EntitySchema<GeneratedMasterKeyRow>({
  name: 'GeneratedMasterKey',
  tableName: 'generated_master_keys',
  columns: {
    id: { type: 'text', primary: true },
    key: { type: 'bytea' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
  },
});

export interface PartnerRow {
  id: string;
  name: string;
  active: boolean;
  createdAt: Date;
  /** Its public new-request form on the support site (`/support/new?partner=`) is open. */
  siteEnabled: boolean;
  /** The version of the tokens the site mints for this partner and its requesters (docs/adr/0037). */
  siteTokenVersion: number;
}

export const PartnerEntity = new EntitySchema<PartnerRow>({
  name: 'Partner',
  tableName: 'partners',
  columns: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    active: { type: 'boolean' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    siteEnabled: { name: 'site_enabled', type: 'boolean', default: false },
    siteTokenVersion: { name: 'site_token_version', type: 'integer', default: 1 },
  },
});

export interface ApiClientRow {
  clientId: string;
  secretHash: string;
  kind: ClientKind;
  partnerId: string | null;
  roles: StaffRole[];
  displayName: string | null;
  email: string | null;
  /** The language of TSS's mail to a staff client (`en` for partner clients, which get none). */
  language: Language;
  active: boolean;
  createdAt: Date;
  tokenVersion: number;
  disabledAt: Date | null;
}

export const ApiClientEntity = new EntitySchema<ApiClientRow>({
  name: 'ApiClient',
  tableName: 'api_clients',
  columns: {
    clientId: { name: 'client_id', type: 'text', primary: true },
    secretHash: { name: 'secret_hash', type: 'text' },
    kind: { type: 'text' },
    partnerId: { name: 'partner_id', type: 'uuid', nullable: true },
    roles: { type: 'text', array: true },
    displayName: { name: 'display_name', type: 'text', nullable: true },
    email: { type: 'text', nullable: true },
    language: { type: 'text', default: 'en' },
    active: { type: 'boolean' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    tokenVersion: { name: 'token_version', type: 'integer' },
    disabledAt: { name: 'disabled_at', type: 'timestamptz', nullable: true },
  },
});

/** Staff signed in through single sign-on, recorded from their verified tokens, as the domain names them. */
export type SsoStaffRow = SsoStaffMember;

export const SsoStaffEntity = new EntitySchema<SsoStaffRow>({
  name: 'SsoStaff',
  tableName: 'sso_staff',
  columns: {
    staffId: { name: 'staff_id', type: 'text', primary: true },
    roles: { type: 'text', array: true },
    displayName: { name: 'display_name', type: 'text', nullable: true },
    email: { type: 'text', nullable: true },
    language: { type: 'text', default: 'en' },
    active: { type: 'boolean' },
    firstSeenAt: { name: 'first_seen_at', type: 'timestamptz' },
    changedAt: { name: 'changed_at', type: 'timestamptz' },
  },
});
