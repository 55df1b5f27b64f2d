import type { EntityManager } from 'typeorm';
import { prepared } from '@tss/persistence';
import type { ServiceLevel, TicketStatus } from '@tss/contracts';
import type { TicketSla } from '../domain/ticket-clocks';
import { SLA_SCHEMA } from './response-clock.store';

const T = `"${SLA_SCHEMA}".tickets`;

interface TicketRow {
  ticket_id: string;
  partner_id: string;
  requester_id: string | null;
  product: string | null;
  level: ServiceLevel;
  status: TicketStatus;
  received_at: Date;
  resolved_at: Date | null;
  last_sequence: number | null;
}

const toTicket = (row: TicketRow): TicketSla => ({
  ticketId: row.ticket_id,
  partnerId: row.partner_id,
  requesterId: row.requester_id,
  product: row.product,
  level: row.level,
  status: row.status,
  receivedAt: row.received_at,
  resolvedAt: row.resolved_at,
  lastSequence: row.last_sequence,
});

/** A ticket's sequence moved to `sequence` by an event that changes nothing else. */
export interface SequenceStep {
  ticketId: string;
  partnerId: string;
  sequence: number;
}

/** sla-timer's projection of tickets (DESIGN "Projections"): tenancy, level, status, last applied sequence. */
export const slaTicketStore = {
  /** The ticket, row-locked: its events apply one at a time, in sequence. */
  async lock(tx: EntityManager, ticketId: string): Promise<TicketSla | undefined> {
    const rows = (await tx.query(`SELECT * FROM ${T} WHERE ticket_id = $1 FOR UPDATE`, [ticketId])) as TicketRow[];
    return rows[0] ? toTicket(rows[0]) : undefined;
  },

  /**
   * The id of the ticket with this reference number (normalised by `parseReference`), within the
   * partner when one is given (staff: any). Tickets known before references were kept have none.
   */
  async idByReference(tx: EntityManager, reference: string, partnerId: string | undefined): Promise<string | undefined> {
    const rows = (await tx.query(`SELECT ticket_id FROM ${T} WHERE reference = $1 AND ($2::uuid IS NULL OR partner_id = $2::uuid)`, [reference, partnerId ?? null])) as {
      ticket_id: string;
    }[];
    return rows[0]?.ticket_id;
  },

  async find(tx: EntityManager, ticketId: string): Promise<TicketSla | undefined> {
    const rows = (await tx.query(`SELECT * FROM ${T} WHERE ticket_id = $1`, [ticketId])) as TicketRow[];
    return rows[0] ? toTicket(rows[0]) : undefined;
  },

  /**
   * Applies event `sequence` of a ticket when it is the next one and changes nothing but the
   * sequence: one statement, which row-locks the ticket as `lock` does. False when it did not apply
   * (a duplicate, a gap, another partner's or an unknown ticket, one without sequences): classify
   * on the locked row then.
   */
  async advanceSequence(tx: EntityManager, e: { ticketId: string; partnerId: string; sequence: number }): Promise<boolean> {
    const result: unknown = await tx.query(
      prepared(`UPDATE ${T} SET last_sequence = $3::int WHERE ticket_id = $1 AND partner_id = $2 AND last_sequence = $3::int - 1 RETURNING ticket_id`),
      [e.ticketId, e.partnerId, e.sequence],
    );
    // TypeORM's PostgreSQL driver hands an UPDATE back as [rows, rowCount].
    return Array.isArray(result) && result[1] === 1;
  },

  /**
   * Steps already checked in order (`sequenceSteps`): each ticket's row to its step's sequence, in
   * one statement. One step per ticket.
   */
  async setSequences(tx: EntityManager, steps: readonly SequenceStep[]): Promise<void> {
    if (steps.length === 0) return;
    await tx.query(
      `UPDATE ${T} t SET last_sequence = s.sequence
         FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS s(ticket_id, partner_id, sequence)
        WHERE t.ticket_id = s.ticket_id AND t.partner_id = s.partner_id`,
      [steps.map((s) => s.ticketId), steps.map((s) => s.partnerId), steps.map((s) => s.sequence)],
    );
  },

  /**
   * `ticket.details_changed`: the product as staff completed or corrected it (P2), on the ticket and
   * every clock of it, so the report counts them under it. One statement.
   */
  async setProduct(tx: EntityManager, ticketId: string, product: string | null): Promise<void> {
    await tx.query(
      `WITH ticket AS (UPDATE ${T} SET product = $2 WHERE ticket_id = $1 AND product IS DISTINCT FROM $2 RETURNING ticket_id)
       UPDATE "${SLA_SCHEMA}".response_clocks SET product = $2 WHERE ticket_id IN (SELECT ticket_id FROM ticket)`,
      [ticketId, product],
    );
  },

  async update(tx: EntityManager, t: TicketSla): Promise<void> {
    await tx.query(`UPDATE ${T} SET level = $2, status = $3, resolved_at = $4, last_sequence = $5 WHERE ticket_id = $1`, [
      t.ticketId,
      t.level,
      t.status,
      t.resolvedAt,
      t.lastSequence,
    ]);
  },
};
