import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PartnerCreatedV1, type StaffRole } from '@tss/contracts';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import type { Clock } from '@tss/service-kit';
import { hashClientSecret, newClientSecret } from '../domain/client-secret';
import type { ClientKind } from '../domain/grants';
import { ApiClientEntity, PartnerEntity, type ApiClientRow, type PartnerRow } from '../store/gateway.entities';

export interface NewClient {
  client: ApiClientRow;
  /** Shown once; only its hash is stored. */
  clientSecret: string;
}

const newClientId = (kind: ClientKind) => `${kind === 'partner' ? 'pc' : 'sc'}_${randomBytes(12).toString('base64url')}`;

export const createPartner = async (deps: { unitOfWork: UnitOfWork; outbox: Outbox; clock: Clock }, name: string): Promise<PartnerRow> =>
  deps.unitOfWork.run(async (tx) => {
    const now = deps.clock.now();
    const partner: PartnerRow = { id: randomUUID(), name, active: true, createdAt: now };
    await tx.getRepository(PartnerEntity).insert(partner);
    await deps.outbox.add(tx, PartnerCreatedV1, partner.id, { partnerId: partner.id, name, active: true, changedAt: now.toISOString() });
    return partner;
  });

export const createClient = async (
  deps: { dataSource: DataSource; clock: Clock },
  input: { kind: ClientKind; partnerId?: string; roles?: StaffRole[]; displayName?: string; email?: string; clientId?: string; clientSecret?: string },
): Promise<NewClient> => {
  const clientSecret = input.clientSecret ?? newClientSecret();
  const client: ApiClientRow = {
    clientId: input.clientId ?? newClientId(input.kind),
    secretHash: await hashClientSecret(clientSecret),
    kind: input.kind,
    partnerId: input.partnerId ?? null,
    roles: input.roles ?? [],
    displayName: input.displayName ?? null,
    email: input.email ?? null,
    active: true,
    createdAt: deps.clock.now(),
  };
  await deps.dataSource.getRepository(ApiClientEntity).insert(client);
  return { client, clientSecret };
};

/**
 * First start: an admin client from TSS_BOOTSTRAP_CLIENT_ID/SECRET, or a generated one whose
 * secret is returned once for the caller to print. Nothing happens when any admin client exists.
 */
export const bootstrapAdmin = async (
  deps: { dataSource: DataSource; clock: Clock },
  given: { clientId?: string; clientSecret?: string },
): Promise<NewClient | undefined> => {
  const repo = deps.dataSource.getRepository(ApiClientEntity);
  if (given.clientId) {
    if (await repo.existsBy({ clientId: given.clientId })) return undefined;
    if (!given.clientSecret) throw new Error('TSS_BOOTSTRAP_CLIENT_SECRET is required with TSS_BOOTSTRAP_CLIENT_ID');
    return createClient(deps, { kind: 'staff', roles: ['admin'], clientId: given.clientId, clientSecret: given.clientSecret, displayName: 'Bootstrap admin' });
  }
  const admins = await repo.createQueryBuilder('c').where(`'admin' = ANY(c.roles)`).getCount();
  if (admins > 0) return undefined;
  return createClient(deps, { kind: 'staff', roles: ['admin'], clientId: `sc_bootstrap_${randomUUID().slice(0, 8)}`, displayName: 'Bootstrap admin' });
};
