import type { Channel, ServiceLevel, TicketStatus } from '@tss/contracts';
import { missingDetails, mentionsTeamLeader, suggestedLevel, type RecommendedDetail, type TicketRequest } from './ticket-request';

export interface Ticket {
  id: string;
  partnerId: string;
  reference: string;
  channel: Channel;
  status: TicketStatus;
  level: ServiceLevel;
  levelConfirmed: boolean;
  request: TicketRequest;
  missingDetails: RecommendedDetail[];
  teamLeaderRequested: boolean;
  receivedAt: Date;
  acceptedAt?: Date;
  /** Sequence number of the ticket's last event. */
  sequence: number;
}

/** Ticket events a use case asks to publish, in order; the store numbers them. */
export type TicketEffect =
  | { kind: 'created'; linkedTicketId?: string }
  | { kind: 'accepted'; via: 'api' | 'acknowledgment' }
  | { kind: 'team_leader_requested'; messageId?: string }
  | { kind: 'message_received'; messageId: string; channel: Channel; attachmentIds: string[] }
  | { kind: 'responded'; messageId: string; authorId: string }
  | { kind: 'status_changed'; from: TicketStatus; to: TicketStatus; reason?: string }
  | { kind: 'level_changed'; from: ServiceLevel; to: ServiceLevel; confirmed: boolean }
  | { kind: 'assigned'; assigneeId: string }
  | { kind: 'resolved'; reopenWindowEndsAt: Date }
  | { kind: 'reopened'; reason?: string }
  | { kind: 'closed'; reason: string }
  | { kind: 'credentials_destroyed'; credentialId: string }
  | { kind: 'referral_rejected'; referralId: string; reason: string };

/**
 * P2–P4: a new request becomes an `open` ticket in the order received. API requests are accepted
 * by the 201 answer that carries their reference (P3); other channels wait for the acknowledgment.
 */
export const openTicket = (
  input: { id: string; partnerId: string; reference: string; channel: Channel; request: TicketRequest },
  receivedAt: Date,
): { ticket: Ticket; effects: TicketEffect[] } => {
  const acceptedNow = input.channel === 'api';
  const teamLeaderRequested = mentionsTeamLeader(input.request.subject, input.request.description);
  const ticket: Ticket = {
    id: input.id,
    partnerId: input.partnerId,
    reference: input.reference,
    channel: input.channel,
    status: 'open',
    level: suggestedLevel(input.request, input.channel),
    levelConfirmed: false,
    request: input.request,
    missingDetails: missingDetails(input.request),
    teamLeaderRequested,
    receivedAt,
    acceptedAt: acceptedNow ? receivedAt : undefined,
    sequence: 0,
  };
  const effects: TicketEffect[] = [{ kind: 'created' }];
  if (acceptedNow) effects.push({ kind: 'accepted', via: 'api' });
  if (teamLeaderRequested) effects.push({ kind: 'team_leader_requested' });
  return { ticket, effects };
};
