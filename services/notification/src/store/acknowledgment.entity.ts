import { EntitySchema } from 'typeorm';

export interface AcknowledgmentRow {
  ticketId: string;
  partnerId: string;
  reference: string;
  channel: string;
  recipient: string | null;
  delivery: string;
  body: string;
  recordedAt: Date;
}

export const AcknowledgmentEntity = new EntitySchema<AcknowledgmentRow>({
  name: 'Acknowledgment',
  tableName: 'acknowledgments',
  columns: {
    ticketId: { name: 'ticket_id', type: 'uuid', primary: true },
    partnerId: { name: 'partner_id', type: 'uuid' },
    reference: { type: 'text' },
    channel: { type: 'text' },
    recipient: { type: 'text', nullable: true },
    delivery: { type: 'text' },
    body: { type: 'text' },
    recordedAt: { name: 'recorded_at', type: 'timestamptz' },
  },
});
