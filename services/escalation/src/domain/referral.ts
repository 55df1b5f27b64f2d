import type { ReferralTarget, StaffRole } from '@tss/contracts';

/** Where a referral stands: asked of intake, then applied or rejected by it (DESIGN "Who owns what"). */
export type ReferralStatus = 'requested' | 'applied' | 'rejected';

/** P7: what the quality department concluded, recorded on its referral. */
export interface ReferralOutcome {
  text: string;
  recordedBy: string;
  recordedAt: Date;
}

/** P5, P6, P7: a ticket referred to development, quality or design, and intake's answer. */
export interface Referral {
  id: string;
  ticketId: string;
  partnerId: string;
  target: ReferralTarget;
  reason: string;
  status: ReferralStatus;
  requestedBy: string;
  requestedAt: Date;
  /** When intake applied or rejected it. */
  answeredAt?: Date;
  rejectionReason?: string;
  outcome?: ReferralOutcome;
  /**
   * The `ticket.referral_applied` (its `sequence`) that called the department in: the ticket event
   * its `escalation.raised` and its outcome's `escalation.resolved` follow (docs/adr/0066, third session).
   */
  ticketSequence?: number;
}

/** What escalation knows of a ticket (from `ticket.created`): enough for tenancy and for names by reference. */
export interface ReferralTicket {
  ticketId: string;
  partnerId: string;
  reference: string;
}

export const requestReferral = (
  input: { id: string; ticket: ReferralTicket; target: ReferralTarget; reason: string; requestedBy: string },
  requestedAt: Date,
): Referral => ({
  id: input.id,
  ticketId: input.ticket.ticketId,
  partnerId: input.ticket.partnerId,
  target: input.target,
  reason: input.reason,
  status: 'requested',
  requestedBy: input.requestedBy,
  requestedAt,
});

/** Intake's answer (an applied one with its event's `sequence`). Only a `requested` referral takes one: a second answer (a replay) changes nothing. */
export const answerReferral = (
  referral: Referral,
  answer: { kind: 'applied'; ticketSequence?: number } | { kind: 'rejected'; reason: string },
  at: Date,
): Referral | undefined => {
  if (referral.status !== 'requested') return undefined;
  return answer.kind === 'applied'
    ? { ...referral, status: 'applied', answeredAt: at, ...(answer.ticketSequence === undefined ? {} : { ticketSequence: answer.ticketSequence }) }
    : { ...referral, status: 'rejected', answeredAt: at, rejectionReason: answer.reason };
};

export type OutcomeRefusal = { kind: 'conflict'; detail: string };

/**
 * P7: the quality department records what it found, once, on a quality referral intake applied.
 * A second outcome is refused (the first is the record; a correction is an internal note).
 */
export const recordOutcome = (referral: Referral, outcome: ReferralOutcome): Referral | OutcomeRefusal => {
  if (referral.target !== 'quality') return { kind: 'conflict', detail: `Only a quality referral records an outcome; this one is to ${referral.target}.` };
  if (referral.status !== 'applied') return { kind: 'conflict', detail: `The referral is ${referral.status}; an outcome is recorded once intake has applied it.` };
  if (referral.outcome) return { kind: 'conflict', detail: 'The referral already has its outcome.' };
  return { ...referral, outcome };
};

/** The staff roles (the gateway's, not the roster's) that make up a department a referral calls in. */
export type DepartmentRole = Extract<StaffRole, 'developer' | 'quality'>;

/**
 * Who is called in when intake applies a referral (docs/adr/0039): the quality department for
 * `quality` (P7), the developers for `development` (their 7-day clock, P5); nobody for `design`
 * (a feature request has no deadline, P6). The department is every active staff member with that
 * staff role, not a roster role: nobody is on duty for a department (seventh-session addendum).
 */
export const departmentCalledIn = (target: ReferralTarget): DepartmentRole | undefined => {
  switch (target) {
    case 'quality':
      return 'quality';
    case 'development':
      return 'developer';
    case 'design':
      return undefined;
  }
};
