import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './string-enum';

// P1: the three products the service supports.
export const Products = ['platform', 'reader', 'player'] as const;
export const Product = StringEnum(Products);
export type Product = Static<typeof Product>;

/**
 * P2: the details of a request that may be recorded after filing (PATCH /v1/tickets/{id},
 * `ticket.details_changed`): the product, its version and the details the rules ask for.
 */
export const RequestDetailNames = ['product', 'productVersion', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion', 'connectivity', 'antivirus'] as const;
export const RequestDetailName = StringEnum(RequestDetailNames);
export type RequestDetailName = Static<typeof RequestDetailName>;

// P5: the four service levels.
export const ServiceLevels = ['emergency', 'standard', 'consulting', 'development'] as const;
export const ServiceLevel = StringEnum(ServiceLevels);
export type ServiceLevel = Static<typeof ServiceLevel>;

/** P5: maximum response time per level, calendar time, 24/7. */
export const MAX_RESPONSE_MS: Readonly<Record<ServiceLevel, number>> = {
  emergency: 6 * 3_600_000,
  standard: 12 * 3_600_000,
  consulting: 24 * 3_600_000,
  development: 7 * 24 * 3_600_000,
};

// P12: the channels a ticket can arrive through.
export const Channels = ['api', 'email', 'site', 'phone'] as const;
export const Channel = StringEnum(Channels);
export type Channel = Static<typeof Channel>;

export const TicketStatuses = [
  'new',
  'open',
  'awaiting_customer',
  'referred',
  'feature_request',
  'resolved',
  'closed',
] as const;
export const TicketStatus = StringEnum(TicketStatuses);
export type TicketStatus = Static<typeof TicketStatus>;

export const StaffRoles = ['agent', 'team_lead', 'developer', 'quality', 'admin'] as const;
export const StaffRole = StringEnum(StaffRoles);
export type StaffRole = Static<typeof StaffRole>;

export const Uuid = Type.String({ format: 'uuid' });
export const Instant = Type.String({ format: 'date-time' });

/**
 * Why someone was called in (P4, P7, issue #12). `team_leader`: the phrase was written, or asked for
 * in a rating; `emergency`: a new emergency ticket pages the on-duty agents; `phone_callback`: the
 * partner's agreement includes phone support at the ticket's level; `low_rating`: a rating of 1 or 2.
 */
export const EscalationKinds = ['team_leader', 'sla_warning', 'sla_breach', 'sla_overdue', 'emergency', 'phone_callback', 'low_rating', 'quality', 'development', 'design'] as const;
export const EscalationKind = StringEnum(EscalationKinds);
export type EscalationKind = Static<typeof EscalationKind>;

/** P6, P7: where an agent refers a ticket (development: level change; quality: involvement; design: feature request). */
export const ReferralTargets = ['development', 'quality', 'design'] as const;
export const ReferralTarget = StringEnum(ReferralTargets);
export type ReferralTarget = Static<typeof ReferralTarget>;
