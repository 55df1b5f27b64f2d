import type { EntitySubscriberInterface, TransactionCommitEvent, UpdateEvent } from 'typeorm';
import type { StaffRole } from '@tss/contracts';
import { err, type AccessTokenVerifier, type AuthFailure, type Clock, type Principal, type Result } from '@tss/service-kit';
import { describes, descriptionKey, type SeenSsoStaff } from '../domain/sso-staff';
import { SsoStaffEntity } from '../store/gateway.entities';
import { ssoStaffStore } from '../store/sso-staff.store';
import { recordSsoStaffSeen, type SsoStaffDeps } from './sso-staff';

/**
 * How long this process trusts what it recorded of a staff member signed in through single sign-on
 * without reading the record again: an admin's PATCH made in another gateway replica refuses their
 * tokens here within this (one made here, at once), as a disabled client's do (CLIENT_REVOCATION_TTL_MS).
 */
export const SSO_STAFF_RECHECK_MS = 1_000;
/** Beyond this many cached members the cache starts over: it never grows without bound. */
const MAX_CACHED_MEMBERS = 10_000;

const seenOf = (principal: Principal): SeenSsoStaff => ({
  staffId: principal.subject,
  // The OIDC verifier kept only TSS roles.
  roles: principal.roles as StaffRole[],
  ...principal.singleSignOn,
});

/**
 * The gateway's verifier: the inner one's answer, and for staff signed in through single sign-on
 * (docs/auth.md) a record of them, so the services learn them from `staff.*` and tickets can be
 * assigned to them. A member an admin marked inactive is refused (401, as a revoked token). A
 * subject this process recorded as its token describes them costs no statement until
 * SSO_STAFF_RECHECK_MS has passed, then one primary-key read; only a new subject or a change of
 * roles, name or e-mail takes a transaction. Concurrent requests of one member share the work.
 */
export class SsoStaffGate implements AccessTokenVerifier {
  private deps?: SsoStaffDeps;
  private readonly cache = new Map<string, { key: string; active: Promise<boolean>; until: number }>();
  // A lookup that began before an admin's change must not store what it read.
  private generation = 0;

  constructor(
    private readonly inner: AccessTokenVerifier,
    private readonly recheckMs = SSO_STAFF_RECHECK_MS,
  ) {}

  /** The gateway's database, once its host is open (before the app serves a request). */
  bind(deps: SsoStaffDeps): void {
    this.deps = deps;
    const touches = (event: { metadata?: unknown }) => event.metadata !== undefined && event.metadata === deps.dataSource.getMetadata(SsoStaffEntity);
    const subscriber: EntitySubscriberInterface = {
      afterUpdate: (event: UpdateEvent<unknown>) => {
        if (!touches(event)) return;
        this.forget();
        event.queryRunner.data = { ...(event.queryRunner.data as object), ssoStaffChanged: true };
      },
      afterTransactionCommit: (event: TransactionCommitEvent) => {
        const data = event.queryRunner.data as { ssoStaffChanged?: boolean } | undefined;
        if (!data?.ssoStaffChanged) return;
        data.ssoStaffChanged = false;
        this.forget();
      },
    };
    deps.dataSource.subscribers.push(subscriber);
  }

  async verify(token: string | undefined): Promise<Result<Principal, AuthFailure>> {
    const verified = await this.inner.verify(token);
    if (!verified.ok || verified.value.kind !== 'staff' || !verified.value.singleSignOn) return verified;
    return (await this.isActive(seenOf(verified.value))) ? verified : err({ kind: 'revoked' });
  }

  private forget(): void {
    this.cache.clear();
    this.generation += 1;
  }

  private async isActive(seen: SeenSsoStaff): Promise<boolean> {
    const deps = this.deps;
    if (!deps) throw new Error('SsoStaffGate used before bind()');
    const now = deps.clock.now().getTime();
    const key = descriptionKey(seen);
    const cached = this.cache.get(seen.staffId);
    if (cached && cached.key === key && cached.until > now) return cached.active;
    const startedIn = this.generation;
    const active = this.lookup(deps, seen);
    if (this.cache.size >= MAX_CACHED_MEMBERS) this.cache.clear();
    const entry = { key, active, until: now + this.recheckMs };
    this.cache.set(seen.staffId, entry);
    try {
      const answer = await active;
      if (this.generation !== startedIn && this.cache.get(seen.staffId) === entry) this.cache.delete(seen.staffId);
      return answer;
    } catch (error) {
      if (this.cache.get(seen.staffId) === entry) this.cache.delete(seen.staffId);
      throw error;
    }
  }

  private async lookup(deps: SsoStaffDeps, seen: SeenSsoStaff): Promise<boolean> {
    const known = await ssoStaffStore.find(deps.dataSource, seen.staffId);
    if (known && (!known.active || describes(known, seen))) return known.active;
    return (await recordSsoStaffSeen(deps, seen)).active;
  }
}

/**
 * The gate around a process's verifier, bound to the gateway's host when it opens (services mode:
 * runServiceProcess's `wrapTokens`; one process: the platform's gateway host).
 */
export const gateSsoStaff = (verifier: AccessTokenVerifier, clock: Clock) => {
  const gate = new SsoStaffGate(verifier);
  return {
    verify: (token: string | undefined) => gate.verify(token),
    bindHost: (host: Omit<SsoStaffDeps, 'clock'>) => gate.bind({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock }),
  };
};
