import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { Instant, StaffRole, Uuid } from '../domain-values';
import { StaffLanguage } from '../support-catalogue';

const PartnerData = Type.Object({ partnerId: Uuid, name: Type.String(), active: Type.Boolean(), changedAt: Instant });
const StaffData = Type.Object({
  staffId: Type.String({
    description: "A staff API client's id, or `<issuer>|<sub>` for staff signed in through single sign-on (the subject their tokens act as)",
  }),
  roles: Type.Array(StaffRole),
  displayName: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  /** Absent from an older gateway's events: the member's language was never chosen, so `en`. */
  language: Type.Optional(StaffLanguage),
  active: Type.Boolean(),
  changedAt: Instant,
});

export const PartnerCreatedV1 = defineEvent('partner.created', 1, 'gateway', PartnerData, 'A partner was registered.');
export const PartnerUpdatedV1 = defineEvent('partner.updated', 1, 'gateway', PartnerData, 'A partner changed.');
export const StaffCreatedV1 = defineEvent('staff.created', 1, 'gateway', StaffData, 'A staff member was registered.');
export const StaffUpdatedV1 = defineEvent('staff.updated', 1, 'gateway', StaffData, 'A staff member changed.');

const SiteLinkActor = Type.Object({ kind: Type.Union([Type.Literal('partner'), Type.Literal('staff')]), id: Type.String() }, { description: "A partner's client id, or a staff member's id" });

const SiteLinkMintedData = Type.Object({
  partnerId: Uuid,
  ticketId: Uuid,
  /** Names the link (its revocation names it too); the link itself, a bearer credential, is never in an event. */
  linkId: Type.String(),
  /** Whom the link opens the ticket to: the ticket's requester id. */
  requester: Type.String(),
  mintedBy: SiteLinkActor,
  expiresAt: Instant,
  mintedAt: Instant,
});

/** P12: a support-site link minted through the API; intake records it on the ticket's history (docs/adr/0037, fifth session). */
export const SiteLinkMintedV1 = defineEvent('partner.site_link_minted', 1, 'gateway', SiteLinkMintedData, "A support-site link was minted through the API for a ticket's requester.");

const SiteLinkRevokedData = Type.Object({
  partnerId: Uuid,
  ticketId: Uuid,
  /** The revoked link's id, as its minting named it; the link itself is never in an event. */
  linkId: Type.String(),
  revokedBy: SiteLinkActor,
  revokedAt: Instant,
});

/** P12: a support-site link revoked through the API (its first revocation only); intake records it on the ticket's history (docs/adr/0037). */
export const SiteLinkRevokedV1 = defineEvent('partner.site_link_revoked', 1, 'gateway', SiteLinkRevokedData, "A support-site link of a ticket was revoked through the API; it opens nothing from then on.");
