import { In, Not, type EntityManager } from 'typeorm';
import { prepared } from '@tss/persistence';
import type { Ticket } from '../domain/ticket';
import { TicketEntity, type TicketRow } from './ticket.entity';

export const INTAKE_SCHEMA = 'ticket_intake';

/** A ticket read under its row lock: only such a ticket may number new events (see `lockForChange`). */
export type LockedTicket = Ticket & { readonly lockedForChange: true };

const toRow = (ticket: Ticket, extra: { idempotencyKey?: string; requestHash?: string }, now: Date): TicketRow => ({
  id: ticket.id,
  partnerId: ticket.partnerId,
  reference: ticket.reference,
  channel: ticket.channel,
  status: ticket.status,
  level: ticket.level,
  levelConfirmed: ticket.levelConfirmed,
  request: ticket.request,
  missingDetails: ticket.missingDetails,
  teamLeaderRequested: ticket.teamLeaderRequested,
  requesterId: ticket.request.requester?.id ?? null,
  receivedAt: ticket.receivedAt,
  acceptedAt: ticket.acceptedAt ?? null,
  sequence: ticket.sequence,
  language: ticket.language,
  category: ticket.category ?? null,
  assigneeId: ticket.assigneeId ?? null,
  waitReason: ticket.waitReason ?? null,
  waitQuestion: ticket.waitQuestion ?? null,
  supportDelay: ticket.supportDelay ?? null,
  closure: ticket.closure ?? null,
  linkedTicketId: ticket.linkedTicketId ?? null,
  responseOwed: ticket.responseOwed,
  responseDueAt: null,
  resolvedAt: ticket.resolvedAt ?? null,
  reopenWindowEndsAt: ticket.reopenWindowEndsAt ?? null,
  closedAt: ticket.closedAt ?? null,
  idempotencyKey: extra.idempotencyKey ?? null,
  requestHash: extra.requestHash ?? null,
  updatedAt: now,
});

const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export const toTicket = (row: TicketRow): Ticket => ({
  id: row.id,
  partnerId: row.partnerId,
  reference: row.reference,
  channel: row.channel,
  status: row.status,
  level: row.level,
  levelConfirmed: row.levelConfirmed,
  request: row.request,
  missingDetails: row.missingDetails as Ticket['missingDetails'],
  teamLeaderRequested: row.teamLeaderRequested,
  receivedAt: row.receivedAt,
  acceptedAt: row.acceptedAt ?? undefined,
  sequence: row.sequence,
  language: row.language,
  category: orUndefined(row.category),
  assigneeId: orUndefined(row.assigneeId),
  waitReason: orUndefined(row.waitReason),
  waitQuestion: orUndefined(row.waitQuestion),
  supportDelay: orUndefined(row.supportDelay),
  closure: orUndefined(row.closure),
  linkedTicketId: orUndefined(row.linkedTicketId),
  responseOwed: row.responseOwed,
  resolvedAt: orUndefined(row.resolvedAt),
  reopenWindowEndsAt: orUndefined(row.reopenWindowEndsAt),
  closedAt: orUndefined(row.closedAt),
});

/**
 * Another write of a filing, as a data-modifying statement numbered from `first`, written only when
 * `onlyIf` holds (the ticket went in).
 */
export type AlsoWithTicket = (first: number, onlyIf: string) => { sql: string; params: unknown[] };

/** Tickets, always looked up within one partner (tenancy is part of every query). */
export const ticketStore = {
  async insert(tx: EntityManager, ticket: Ticket, extra: { idempotencyKey?: string; requestHash?: string }, now: Date): Promise<void> {
    await tx.getRepository(TicketEntity).insert(toRow(ticket, extra, now));
  },

  /**
   * Inserts a new ticket in one statement unless its reference number is taken (then nothing is
   * written and it answers false): the collision check and the insert are one round trip. `also`:
   * the filing's other writes (its events, its history), folded into the same statement and
   * written only with the ticket; each is given its first parameter's number and the condition.
   */
  async insertUnlessReferenceTaken(
    tx: EntityManager,
    ticket: Ticket,
    extra: { idempotencyKey?: string; requestHash?: string },
    now: Date,
    also: readonly AlsoWithTicket[] = [],
  ): Promise<boolean> {
    const row = toRow(ticket, extra, now);
    const params: unknown[] = [
        row.id,
        row.partnerId,
        row.reference,
        row.channel,
        row.status,
        row.level,
        row.levelConfirmed,
        JSON.stringify(row.request),
        row.missingDetails,
        row.teamLeaderRequested,
        row.requesterId,
        row.receivedAt,
        row.acceptedAt,
        row.sequence,
        row.idempotencyKey,
        row.requestHash,
        row.updatedAt,
        row.language,
        row.linkedTicketId,
        row.responseOwed,
    ];
    const writes = also.map((write, i) => {
      const fragment = write(params.length + 1, 'EXISTS (SELECT 1 FROM filed)');
      params.push(...fragment.params);
      return `also_${i} AS (${fragment.sql})`;
    });
    const inserted = (await tx.query(
      prepared(`WITH filed AS (
         INSERT INTO "${INTAKE_SCHEMA}".tickets (id, partner_id, reference, channel, status, level, level_confirmed, request, missing_details,
           team_leader_requested, requester_id, received_at, accepted_at, sequence, idempotency_key, request_hash, updated_at,
           language, linked_ticket_id, response_owed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         ON CONFLICT (reference) DO NOTHING RETURNING id
       )${writes.map((w) => `, ${w}`).join('')}
       SELECT id FROM filed`),
      params,
    )) as unknown[];
    return inserted.length === 1;
  },

  /**
   * Writes a changed ticket's mutable state and its new sequence, under the row lock the change
   * was read with (`lockForChange`).
   */
  async update(tx: EntityManager, ticket: LockedTicket, now: Date): Promise<void> {
    await tx.query(
      `UPDATE "${INTAKE_SCHEMA}".tickets SET status = $2, level = $3, level_confirmed = $4, category = $5, assignee_id = $6, wait_reason = $7,
         support_delay = $8, closure = $9, response_owed = $10, resolved_at = $11, reopen_window_ends_at = $12, closed_at = $13,
         team_leader_requested = $14, accepted_at = $15, sequence = $16, updated_at = $17, wait_question = $18
       WHERE id = $1`,
      [
        ticket.id,
        ticket.status,
        ticket.level,
        ticket.levelConfirmed,
        ticket.category ?? null,
        ticket.assigneeId ?? null,
        ticket.waitReason ?? null,
        ticket.supportDelay ?? null,
        ticket.closure ? JSON.stringify(ticket.closure) : null,
        ticket.responseOwed,
        ticket.resolvedAt ?? null,
        ticket.reopenWindowEndsAt ?? null,
        ticket.closedAt ?? null,
        ticket.teamLeaderRequested,
        ticket.acceptedAt ?? null,
        ticket.sequence,
        now,
        ticket.waitQuestion ?? null,
      ],
    );
  },

  /**
   * P2: the request and its missing details after staff recorded details (or a requester's message
   * described a request filed without a description), under the row lock. Its
   * own statement, written only then: the search document's trigger fires on every UPDATE OF request.
   */
  async updateRequest(tx: EntityManager, ticket: LockedTicket): Promise<void> {
    await tx.query(`UPDATE "${INTAKE_SCHEMA}".tickets SET request = $2, missing_details = $3 WHERE id = $1`, [ticket.id, JSON.stringify(ticket.request), ticket.missingDetails]);
  },

  /** The ticket with this reference (normalised by `parseReference`), within the partner. */
  async findByReference(tx: EntityManager, partnerId: string | undefined, reference: string): Promise<TicketRow | null> {
    return tx.getRepository(TicketEntity).findOneBy({ reference, ...(partnerId ? { partnerId } : {}) });
  },

  /** Staff read across partners. */
  async findAnyPartner(tx: EntityManager, ticketId: string): Promise<TicketRow | null> {
    return tx.getRepository(TicketEntity).findOneBy({ id: ticketId });
  },

  async setSequence(tx: EntityManager, ticketId: string, sequence: number, now: Date): Promise<void> {
    await tx.getRepository(TicketEntity).update({ id: ticketId }, { sequence, updatedAt: now });
  },

  /**
   * Reads the ticket with `SELECT … FOR UPDATE`: a concurrent change to the same ticket waits until
   * this transaction ends, so the events of one ticket get distinct, consecutive sequence numbers
   * and reach the outbox in that order (DESIGN "Order", docs/adr/0013).
   */
  async lockForChange(tx: EntityManager, partnerId: string, ticketId: string): Promise<LockedTicket | null> {
    const row = await tx.getRepository(TicketEntity).findOne({ where: { id: ticketId, partnerId }, lock: { mode: 'pessimistic_write' } });
    return row ? { ...toTicket(row), lockedForChange: true } : null;
  },

  /**
   * The open work (neither resolved nor closed) assigned to a staff member, every partner's (staff
   * work across partners), each locked as `lockForChange` locks one, in id order so two callers
   * never wait on each other crosswise. Resolved tickets keep their assignee: the rating credits them.
   */
  async lockOpenWorkOf(tx: EntityManager, staffId: string): Promise<LockedTicket[]> {
    const rows = await tx.getRepository(TicketEntity).find({
      where: { assigneeId: staffId, status: Not(In(['resolved', 'closed'])) },
      order: { id: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
    return rows.map((row) => ({ ...toTicket(row), lockedForChange: true }));
  },

  /** P11: the tickets that follow this one up, oldest first. */
  async followUpsOf(tx: EntityManager, partnerId: string, ticketId: string): Promise<TicketRow[]> {
    return tx.getRepository(TicketEntity).find({ where: { partnerId, linkedTicketId: ticketId }, order: { receivedAt: 'ASC', id: 'ASC' } });
  },

  async findForPartner(tx: EntityManager, partnerId: string, ticketId: string): Promise<TicketRow | null> {
    return tx.getRepository(TicketEntity).findOneBy({ id: ticketId, partnerId });
  },

  /** The ticket filed under this Idempotency-Key (the effect committed), however long ago: the caller judges whether the key still binds. */
  async findByIdempotencyKey(tx: EntityManager, partnerId: string, idempotencyKey: string): Promise<TicketRow | null> {
    return tx.getRepository(TicketEntity).findOneBy({ partnerId, idempotencyKey });
  },

  /**
   * Takes an expired Idempotency-Key off the ticket its first request filed, so a new ticket can
   * carry it under the unique (partner, key) index (docs/adr/0028: the key is new 24 h after its
   * first request). The verifier goes with it: nothing is compared with this ticket again. Only the
   * key's columns change, which no trigger and no ETag reads.
   */
  async releaseIdempotencyKey(tx: EntityManager, ticketId: string): Promise<void> {
    await tx.query(`UPDATE "${INTAKE_SCHEMA}".tickets SET idempotency_key = NULL, request_hash = NULL WHERE id = $1`, [ticketId]);
  },
};
