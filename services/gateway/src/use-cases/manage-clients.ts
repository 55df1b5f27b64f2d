import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { PartnerCreatedV1, PartnerUpdatedV1, StaffCreatedV1, StaffUpdatedV1, type Language, type StaffRole } from '@tss/contracts';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { err, ok, refusedAccessParticulars, type Clock, type Failure, type Result } from '@tss/service-kit';
import { hashClientSecret, newClientSecret } from '../domain/client-secret';
import type { ClientKind } from '../domain/grants';
import { ApiClientEntity, PartnerEntity, type ApiClientRow, type PartnerRow } from '../store/gateway.entities';

export interface NewClient {
  client: ApiClientRow;
  /** Shown once; only its hash is stored. */
  clientSecret: string;
}

interface Deps {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  clock: Clock;
}

const newClientId = (kind: ClientKind) => `${kind === 'partner' ? 'pc' : 'sc'}_${randomBytes(12).toString('base64url')}`;

const staffEventData = (client: ApiClientRow, now: Date) => ({
  staffId: client.clientId,
  roles: client.roles,
  ...(client.displayName ? { displayName: client.displayName } : {}),
  ...(client.email ? { email: client.email } : {}),
  language: client.language,
  active: client.active,
  changedAt: now.toISOString(),
});

/** A partner, announced (`partner.created`); a name holding access particulars is refused (P9), and nothing is stored. */
export const createPartner = async (deps: Omit<Deps, 'dataSource'>, name: string): Promise<Result<PartnerRow, Failure>> => {
  const refused = refusedAccessParticulars([{ pointer: '/name', text: name }]);
  if (refused) return err(refused);
  return ok(
    await deps.unitOfWork.run(async (tx) => {
      const now = deps.clock.now();
      const partner: PartnerRow = { id: randomUUID(), name, active: true, createdAt: now, siteEnabled: false, siteTokenVersion: 1 };
      await tx.getRepository(PartnerEntity).insert(partner);
      await deps.outbox.add(tx, PartnerCreatedV1, partner.id, { partnerId: partner.id, name, active: true, changedAt: now.toISOString() });
      return partner;
    }),
  );
};

export type PartnerPatch = { name?: string; siteEnabled?: boolean; active?: boolean };

/**
 * Renames a partner, opens/closes its support site's public form, or deactivates/reactivates it
 * (`partner.updated`); `not_found` when there is no such partner. Deactivating refuses every client
 * of the partner (the token endpoint and the revocation check read the partner's `active`) and
 * bumps their token versions and the site's, so the tokens they held or minted stay refused after
 * a reactivation, as a disabled client's do (docs/adr/0012 addendum). Reactivating lets the clients
 * get new tokens; one disabled on its own stays disabled. A new name holding access particulars is
 * refused (P9) and nothing of the patch is applied.
 */
export const updatePartner = async (deps: Omit<Deps, 'dataSource'>, partnerId: string, patch: PartnerPatch): Promise<Result<PartnerRow, Failure>> => {
  const refused = refusedAccessParticulars([{ pointer: '/name', text: patch.name }]);
  if (refused) return err(refused);
  const updated = await deps.unitOfWork.run(async (tx) => {
    const repo = tx.getRepository(PartnerEntity);
    const partner = await repo.findOne({ where: { id: partnerId }, lock: { mode: 'pessimistic_write' } });
    if (!partner) return undefined;
    const now = deps.clock.now();
    const deactivating = patch.active === false && partner.active;
    const changed: PartnerRow = {
      ...partner,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.siteEnabled !== undefined ? { siteEnabled: patch.siteEnabled } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      siteTokenVersion: deactivating ? partner.siteTokenVersion + 1 : partner.siteTokenVersion,
    };
    await repo.update({ id: partnerId }, { name: changed.name, siteEnabled: changed.siteEnabled, active: changed.active, siteTokenVersion: changed.siteTokenVersion });
    if (deactivating) await tx.getRepository(ApiClientEntity).increment({ kind: 'partner', partnerId }, 'tokenVersion', 1);
    await deps.outbox.add(tx, PartnerUpdatedV1, partnerId, { partnerId, name: changed.name, active: changed.active, changedAt: now.toISOString() });
    return changed;
  });
  return updated ? ok(updated) : err({ kind: 'not_found', detail: 'No such partner.' });
};

type ClientInput = { kind: ClientKind; partnerId?: string; roles?: StaffRole[]; displayName?: string; email?: string; language?: Language; clientId?: string };

/** The client's row and, for staff, its `staff.created`, in the caller's transaction. */
const insertClient = async (tx: EntityManager, deps: Pick<Deps, 'outbox' | 'clock'>, input: ClientInput, secretHash: string): Promise<ApiClientRow> => {
  const now = deps.clock.now();
  const client: ApiClientRow = {
    clientId: input.clientId ?? newClientId(input.kind),
    secretHash,
    kind: input.kind,
    partnerId: input.partnerId ?? null,
    roles: input.roles ?? [],
    displayName: input.displayName ?? null,
    email: input.email ?? null,
    language: input.language ?? 'en',
    active: true,
    createdAt: now,
    tokenVersion: 1,
    disabledAt: null,
  };
  await tx.getRepository(ApiClientEntity).insert(client);
  if (client.kind === 'staff') await deps.outbox.add(tx, StaffCreatedV1, client.clientId, staffEventData(client, now));
  return client;
};

/**
 * A partner or staff API client; staff clients are announced (`staff.created`) to the services that
 * keep a roster. A display name holding access particulars is refused (P9), and nothing is stored.
 */
export const createClient = async (deps: Deps, input: ClientInput & { clientSecret?: string }): Promise<Result<NewClient, Failure>> => {
  const refused = refusedAccessParticulars([{ pointer: '/displayName', text: input.displayName }]);
  if (refused) return err(refused);
  const clientSecret = input.clientSecret ?? newClientSecret();
  const secretHash = await hashClientSecret(clientSecret);
  return ok(await deps.unitOfWork.run(async (tx) => ({ client: await insertClient(tx, deps, input, secretHash), clientSecret })));
};

export type ClientOwner = { kind: 'partner'; partnerId: string } | { kind: 'staff' };

const ownerWhere = (owner: ClientOwner) => (owner.kind === 'partner' ? { kind: 'partner' as const, partnerId: owner.partnerId } : { kind: 'staff' as const, partnerId: IsNull() });

export const listClients = (deps: Pick<Deps, 'dataSource'>, owner: ClientOwner): Promise<ApiClientRow[]> =>
  deps.dataSource.getRepository(ApiClientEntity).find({ where: ownerWhere(owner), order: { createdAt: 'ASC' } });

/** One client of its owner, active or disabled (as listed); undefined when the owner has no such client. */
export const findClient = async (deps: Pick<Deps, 'dataSource'>, owner: ClientOwner, clientId: string): Promise<ApiClientRow | undefined> =>
  (await deps.dataSource.getRepository(ApiClientEntity).findOneBy({ clientId, ...ownerWhere(owner) })) ?? undefined;

/** One enabled client of its owner, as disabling it or rotating its secret finds it; undefined when the owner has none. */
export const findEnabledClient = async (deps: Pick<Deps, 'dataSource'>, owner: ClientOwner, clientId: string): Promise<ApiClientRow | undefined> =>
  (await deps.dataSource.getRepository(ApiClientEntity).findOneBy({ clientId, ...ownerWhere(owner), active: true, disabledAt: IsNull() })) ?? undefined;

/**
 * Disabling a client revokes every token it holds at once (the gateway checks each request). The
 * row is read under its lock: of concurrent DELETEs one disables it and announces it, the others
 * then find it disabled (404), where each read it active and disabled it again.
 */
export const disableClient = async (deps: Deps, owner: ClientOwner, clientId: string): Promise<ApiClientRow | undefined> =>
  deps.unitOfWork.run(async (tx) => {
    const repo = tx.getRepository(ApiClientEntity);
    const client = await repo.findOne({ where: { clientId, ...ownerWhere(owner), disabledAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
    if (!client) return undefined;
    const now = deps.clock.now();
    await repo.update({ clientId }, { active: false, disabledAt: now, tokenVersion: client.tokenVersion + 1 });
    const disabled = { ...client, active: false, disabledAt: now, tokenVersion: client.tokenVersion + 1 };
    if (client.kind === 'staff') await deps.outbox.add(tx, StaffUpdatedV1, clientId, staffEventData(disabled, now));
    return disabled;
  });

/**
 * An admin sets the language of a staff client's mail (`PATCH /v1/staff/{staffId}`), announced as
 * `staff.updated` so notification writes to them in it; undefined when there is no such staff
 * client. The language it has already announces nothing. Under the row lock, as a disable is.
 */
export const setStaffClientLanguage = async (deps: Deps, clientId: string, language: Language): Promise<ApiClientRow | undefined> =>
  deps.unitOfWork.run(async (tx) => {
    const repo = tx.getRepository(ApiClientEntity);
    const client = await repo.findOne({ where: { clientId, ...ownerWhere({ kind: 'staff' }) }, lock: { mode: 'pessimistic_write' } });
    if (!client || client.language === language) return client ?? undefined;
    await repo.update({ clientId }, { language });
    const changed = { ...client, language };
    await deps.outbox.add(tx, StaffUpdatedV1, clientId, staffEventData(changed, deps.clock.now()));
    return changed;
  });

/**
 * A new secret (shown once); the old secret stops working and the client's tokens are revoked.
 * Under the row lock, so concurrent rotations take turns and each bumps the version: two that read
 * the same version wrote the same one, and tokens of the first new secret outlived the second.
 */
export const rotateClientSecret = async (deps: Deps, owner: ClientOwner, clientId: string): Promise<NewClient | undefined> => {
  const clientSecret = newClientSecret();
  const secretHash = await hashClientSecret(clientSecret);
  return deps.unitOfWork.run(async (tx) => {
    const repo = tx.getRepository(ApiClientEntity);
    const client = await repo.findOne({ where: { clientId, ...ownerWhere(owner), active: true }, lock: { mode: 'pessimistic_write' } });
    if (!client) return undefined;
    await repo.update({ clientId }, { secretHash, tokenVersion: client.tokenVersion + 1 });
    return { client: { ...client, secretHash, tokenVersion: client.tokenVersion + 1 }, clientSecret };
  });
};

/**
 * First start: an admin client from TSS_BOOTSTRAP_CLIENT_ID/SECRET, or a generated one whose
 * secret is returned once for the caller to print. Nothing happens when it (or, for a generated
 * one, any admin client) exists. Replicas starting together on a fresh install (the chart runs two
 * gateways) take turns on a transaction advisory lock: one creates it, the others then find it,
 * where both would have inserted and one failed to start.
 */
export const bootstrapAdmin = async (deps: Deps & { logger: Logger }, given: { clientId?: string; clientSecret?: string }): Promise<NewClient | undefined> => {
  const created = await deps.unitOfWork.run(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['tss:gateway:bootstrap-admin']);
    const repo = tx.getRepository(ApiClientEntity);
    if (given.clientId) {
      if (await repo.existsBy({ clientId: given.clientId })) return undefined;
      if (!given.clientSecret) throw new Error('TSS_BOOTSTRAP_CLIENT_SECRET is required with TSS_BOOTSTRAP_CLIENT_ID');
    } else {
      const admins = await repo.createQueryBuilder('c').where(`'admin' = ANY(c.roles)`).andWhere('c.active').getCount();
      if (admins > 0) return undefined;
    }
    const clientSecret = given.clientSecret ?? newClientSecret();
    const input: ClientInput = { kind: 'staff', roles: ['admin'], clientId: given.clientId ?? `sc_bootstrap_${randomUUID().slice(0, 8)}`, displayName: 'Bootstrap admin' };
    return { client: await insertClient(tx, deps, input, await hashClientSecret(clientSecret)), clientSecret };
  });
  // Once committed, for the operator who looks for it in the log (docs/operations.md); the id only, never the secret.
  if (created) deps.logger.info({ clientId: created.client.clientId }, 'bootstrap admin client created');
  else if (given.clientId) deps.logger.info({ clientId: given.clientId }, 'bootstrap admin client exists; nothing created');
  return created;
};

/** Every partner, active or not, oldest first. */
export const listPartners = (deps: Pick<Deps, 'dataSource'>): Promise<PartnerRow[]> => deps.dataSource.getRepository(PartnerEntity).find({ order: { createdAt: 'ASC' } });

/** A partner, active or not (as listed); undefined when there is none. */
export const findPartner = async (deps: Pick<Deps, 'dataSource'>, partnerId: string): Promise<PartnerRow | undefined> =>
  (await deps.dataSource.getRepository(PartnerEntity).findOneBy({ id: partnerId })) ?? undefined;

