import { EntitySchema } from 'typeorm';
import type { Channel, ServiceLevel, TicketStatus } from '@tss/contracts';
import type { TicketRequest } from '../domain/ticket-request';

export interface TicketRow {
  id: string;
  partnerId: string;
  reference: string;
  channel: Channel;
  status: TicketStatus;
  level: ServiceLevel;
  levelConfirmed: boolean;
  request: TicketRequest;
  missingDetails: string[];
  teamLeaderRequested: boolean;
  requesterId: string | null;
  receivedAt: Date;
  acceptedAt: Date | null;
  sequence: number;
  idempotencyKey: string | null;
  requestHash: string | null;
  updatedAt: Date;
}

export const TicketEntity = new EntitySchema<TicketRow>({
  name: 'Ticket',
  tableName: 'tickets',
  columns: {
    id: { type: 'uuid', primary: true },
    partnerId: { name: 'partner_id', type: 'uuid' },
    reference: { type: 'text', unique: true },
    channel: { type: 'text' },
    status: { type: 'text' },
    level: { type: 'text' },
    levelConfirmed: { name: 'level_confirmed', type: 'boolean' },
    request: { type: 'jsonb' },
    missingDetails: { name: 'missing_details', type: 'text', array: true },
    teamLeaderRequested: { name: 'team_leader_requested', type: 'boolean' },
    requesterId: { name: 'requester_id', type: 'text', nullable: true },
    receivedAt: { name: 'received_at', type: 'timestamptz' },
    acceptedAt: { name: 'accepted_at', type: 'timestamptz', nullable: true },
    sequence: { type: 'integer' },
    idempotencyKey: { name: 'idempotency_key', type: 'text', nullable: true },
    requestHash: { name: 'request_hash', type: 'text', nullable: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
  },
});
