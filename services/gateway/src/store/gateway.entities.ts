import { EntitySchema } from 'typeorm';
import type { StaffRole } from '@tss/contracts';
import type { ClientKind } from '../domain/grants';

export const GATEWAY_SCHEMA = 'gateway';

export interface SigningKeyRow {
  kid: string;
  algorithm: string;
  privateKeyPem: string;
  publicJwk: Record<string, string>;
  createdAt: Date;
  retiredAt: Date | null;
}

export const SigningKeyEntity = new EntitySchema<SigningKeyRow>({
  name: 'SigningKey',
  tableName: 'signing_keys',
  columns: {
    kid: { type: 'text', primary: true },
    algorithm: { type: 'text' },
    privateKeyPem: { name: 'private_key_pem', type: 'text' },
    publicJwk: { name: 'public_jwk', type: 'jsonb' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    retiredAt: { name: 'retired_at', type: 'timestamptz', nullable: true },
  },
});

export interface PartnerRow {
  id: string;
  name: string;
  active: boolean;
  createdAt: Date;
}

export const PartnerEntity = new EntitySchema<PartnerRow>({
  name: 'Partner',
  tableName: 'partners',
  columns: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    active: { type: 'boolean' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
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
    active: { type: 'boolean' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    tokenVersion: { name: 'token_version', type: 'integer' },
    disabledAt: { name: 'disabled_at', type: 'timestamptz', nullable: true },
  },
});
