import { EntitySchema } from 'typeorm';
import type { Channel, Language, RequesterWaitReason, ServiceLevel, SupportCategoryCode, SupportDelay, TicketStatus } from '@tss/contracts';
import type { Closure } from '../domain/ticket';
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
  language: Language;
  category: SupportCategoryCode | null;
  assigneeId: string | null;
  waitReason: RequesterWaitReason | null;
  waitQuestion: string | null;
  supportDelay: SupportDelay | null;
  closure: Closure | null;
  linkedTicketId: string | null;
  responseOwed: boolean;
  responseDueAt: Date | null;
  resolvedAt: Date | null;
  reopenWindowEndsAt: Date | null;
  closedAt: Date | null;
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
    language: { type: 'text' },
    category: { type: 'text', nullable: true },
    assigneeId: { name: 'assignee_id', type: 'text', nullable: true },
    waitReason: { name: 'wait_reason', type: 'text', nullable: true },
    waitQuestion: { name: 'wait_question', type: 'text', nullable: true },
    supportDelay: { name: 'support_delay', type: 'text', nullable: true },
    closure: { type: 'jsonb', nullable: true },
    linkedTicketId: { name: 'linked_ticket_id', type: 'uuid', nullable: true },
    responseOwed: { name: 'response_owed', type: 'boolean' },
    responseDueAt: { name: 'response_due_at', type: 'timestamptz', nullable: true },
    resolvedAt: { name: 'resolved_at', type: 'timestamptz', nullable: true },
    reopenWindowEndsAt: { name: 'reopen_window_ends_at', type: 'timestamptz', nullable: true },
    closedAt: { name: 'closed_at', type: 'timestamptz', nullable: true },
    idempotencyKey: { name: 'idempotency_key', type: 'text', nullable: true },
    requestHash: { name: 'request_hash', type: 'text', nullable: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
  },
});
