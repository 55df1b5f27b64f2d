import type { DataSource } from 'typeorm';
import { StaffCreatedV1, StaffUpdatedV1, type EventData } from '@tss/contracts';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import type { Clock } from '@tss/service-kit';
import { ssoStaffMarked, ssoStaffSeen, type SeenSsoStaff, type SsoStaffMember, type StaffPatch } from '../domain/sso-staff';
import { ssoStaffStore } from '../store/sso-staff.store';

export interface SsoStaffDeps {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  clock: Clock;
}

const staffEventData = (member: SsoStaffMember): EventData<typeof StaffCreatedV1> => ({
  staffId: member.staffId,
  roles: member.roles,
  ...(member.displayName ? { displayName: member.displayName } : {}),
  ...(member.email ? { email: member.email } : {}),
  language: member.language,
  active: member.active,
  changedAt: member.changedAt.toISOString(),
});

/**
 * Records what a verified token says of its staff member, announcing it in the same transaction:
 * `staff.created` the first time, `staff.updated` when roles, name or e-mail changed. A member
 * recorded as they are, or marked inactive, is left alone and nothing is announced.
 */
export const recordSsoStaffSeen = (deps: SsoStaffDeps, seen: SeenSsoStaff): Promise<SsoStaffMember> =>
  deps.unitOfWork.run(async (tx) => {
    const now = deps.clock.now();
    const first = ssoStaffSeen(undefined, seen, now);
    if (await ssoStaffStore.insertIfNew(tx, first.member)) {
      await deps.outbox.add(tx, StaffCreatedV1, seen.staffId, staffEventData(first.member));
      return first.member;
    }
    const known = await ssoStaffStore.lock(tx, seen.staffId);
    if (!known) throw new Error(`sso staff ${seen.staffId} neither inserted nor found`); // rows are never deleted
    const change = ssoStaffSeen(known, seen, now);
    if (change.kind === 'updated') {
      await ssoStaffStore.save(tx, change.member);
      await deps.outbox.add(tx, StaffUpdatedV1, seen.staffId, staffEventData(change.member));
    }
    return change.member;
  });

/**
 * An admin marks a staff member of the identity provider inactive (their tokens are refused, and
 * `staff.updated` with `active: false` returns their open tickets to the queue) or active again,
 * and sets the language of TSS's mail to them; undefined when TSS has never seen them. A PATCH
 * leaving them as they are announces nothing.
 */
export const markSsoStaff = (deps: SsoStaffDeps, staffId: string, patch: StaffPatch): Promise<SsoStaffMember | undefined> =>
  deps.unitOfWork.run(async (tx) => {
    const known = await ssoStaffStore.lock(tx, staffId);
    if (!known) return undefined;
    const marked = ssoStaffMarked(known, patch, deps.clock.now());
    if (!marked) return known;
    await ssoStaffStore.save(tx, marked);
    await deps.outbox.add(tx, StaffUpdatedV1, staffId, staffEventData(marked));
    return marked;
  });

/** A staff member signed in through single sign-on, as recorded; undefined for an id never seen. */
export const findSsoStaff = (deps: Pick<SsoStaffDeps, 'dataSource'>, staffId: string): Promise<SsoStaffMember | undefined> => ssoStaffStore.find(deps.dataSource, staffId);

export const listSsoStaff = (deps: Pick<SsoStaffDeps, 'dataSource'>): Promise<SsoStaffMember[]> => ssoStaffStore.list(deps.dataSource);
