import type { Language, StaffRole } from '@tss/contracts';
import { withoutAccessParticulars } from '@tss/service-kit';

/**
 * A staff member signed in through the company's identity provider, as the gateway last saw them
 * (docs/auth.md "Single sign-on"). `staffId` is their tokens' subject, `<iss>|<sub>`: what every
 * service already names them by (claims, self-assignment, `me`).
 */
export interface SsoStaffMember {
  staffId: string;
  roles: StaffRole[];
  displayName: string | null;
  email: string | null;
  /** The language of TSS's mail to them: `en` until an admin sets it; tokens do not change it. */
  language: Language;
  /** False once an admin marked them inactive: the identity provider's tokens are refused from then on. */
  active: boolean;
  firstSeenAt: Date;
  changedAt: Date;
}

/** What one verified token says of its staff member. */
export interface SeenSsoStaff {
  staffId: string;
  roles: readonly StaffRole[];
  displayName?: string;
  email?: string;
}

export type SsoStaffChange =
  | { kind: 'created'; member: SsoStaffMember }
  | { kind: 'updated'; member: SsoStaffMember }
  | { kind: 'unchanged'; member: SsoStaffMember };

const sortedRoles = (roles: readonly StaffRole[]): StaffRole[] => [...new Set(roles)].sort();

/**
 * P9: the name a token gives is listed to admins and announced to every service (`staff.*`), so
 * it is kept without access particulars (`[access particulars removed]`). It is not refused, as a
 * name set through the API is: it is the identity provider's word, and refusing it would lock the
 * member out (docs/adr/0026, addendum of 2026-12-05, fifth session).
 */
const keptDisplayName = (seen: SeenSsoStaff): string | null => (seen.displayName === undefined ? null : withoutAccessParticulars(seen.displayName));

/** Roles, name and e-mail: what `staff.*` announces of them, so what a change is made of. */
export const describes = (member: SsoStaffMember, seen: SeenSsoStaff): boolean =>
  member.displayName === keptDisplayName(seen) &&
  member.email === (seen.email ?? null) &&
  sortedRoles(member.roles).join(',') === sortedRoles(seen.roles).join(',');

/** One key per description, for the gateway's cache of whom it has recorded as they are. */
export const descriptionKey = (seen: SeenSsoStaff): string => JSON.stringify([sortedRoles(seen.roles), keptDisplayName(seen), seen.email ?? null]);

/**
 * What a verified token changes: a subject never seen is created; one whose roles, name or e-mail
 * differ from the record is updated (a name or e-mail the token no longer states is dropped: the
 * token is the identity provider's word now). A member marked inactive is left as it is: TSS
 * refuses their tokens, and the admin who reactivates them brings the record back.
 */
export const ssoStaffSeen = (known: SsoStaffMember | undefined, seen: SeenSsoStaff, now: Date): SsoStaffChange => {
  const description = { roles: sortedRoles(seen.roles), displayName: keptDisplayName(seen), email: seen.email ?? null };
  if (!known) return { kind: 'created', member: { staffId: seen.staffId, ...description, language: 'en', active: true, firstSeenAt: now, changedAt: now } };
  if (!known.active || describes(known, seen)) return { kind: 'unchanged', member: known };
  return { kind: 'updated', member: { ...known, ...description, changedAt: now } };
};

/** What an admin's PATCH of a staff member may change. */
export interface StaffPatch {
  active?: boolean;
  language?: Language;
}

/** An admin's PATCH: marking active or inactive, and their mail language; undefined when it changes nothing. */
export const ssoStaffMarked = (known: SsoStaffMember, patch: StaffPatch, now: Date): SsoStaffMember | undefined => {
  const active = patch.active ?? known.active;
  const language = patch.language ?? known.language;
  return known.active === active && known.language === language ? undefined : { ...known, active, language, changedAt: now };
};
