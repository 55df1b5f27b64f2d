import { idempotencyMigration } from '@tss/runtime';
import { GATEWAY_SCHEMA } from '../gateway.entities';

/** The gateway's Idempotency-Key records (docs/adr/0028, addendum of 2026-12-04): partners, API clients and key rotations take keys. */
export const IdempotencyKeys1765500700000 = idempotencyMigration(GATEWAY_SCHEMA, 1765500700000);
