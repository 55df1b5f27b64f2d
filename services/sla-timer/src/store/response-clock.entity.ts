import { EntitySchema } from 'typeorm';
import type { ServiceLevel } from '@tss/contracts';
import type { ClockStatus } from '../domain/response-clock';

export interface ResponseClockRow {
  id: string;
  ticketId: string;
  partnerId: string;
  /** The partner's id for the ticket's requester, when the ticket names one. */
  requesterId: string | null;
  level: ServiceLevel;
  status: ClockStatus;
  startedAt: Date;
  dueAt: Date;
  createdAt: Date;
}

export const ResponseClockEntity = new EntitySchema<ResponseClockRow>({
  name: 'ResponseClock',
  tableName: 'response_clocks',
  columns: {
    id: { type: 'uuid', primary: true },
    ticketId: { name: 'ticket_id', type: 'uuid' },
    partnerId: { name: 'partner_id', type: 'uuid' },
    requesterId: { name: 'requester_id', type: 'text', nullable: true },
    level: { type: 'text' },
    status: { type: 'text' },
    startedAt: { name: 'started_at', type: 'timestamptz' },
    dueAt: { name: 'due_at', type: 'timestamptz' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
  },
});
