import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Channel } from '@tss/contracts';
import type { Outbox, UnitOfWork } from '@tss/messaging';
import { canonicalJson, err, ok, type Clock, type Result } from '@tss/service-kit';
import { generateReference } from '../domain/reference-number';
import { openTicket, type Ticket } from '../domain/ticket';
import type { TicketRequest } from '../domain/ticket-request';
import { ticketEventDrafts } from '../events/ticket-events.producer';
import { ticketStore, toTicket } from '../store/ticket.store';

export type FileTicketError = { kind: 'idempotency_conflict'; detail: string };

export interface FiledTicket {
  ticket: Ticket;
  /** True when an earlier request with the same Idempotency-Key already filed it. */
  replayed: boolean;
}

const MAX_REFERENCE_ATTEMPTS = 5;

// Over the canonical form: a retry with the same fields in another order is the same request.
const hashRequest = (request: TicketRequest): string => createHash('sha256').update(canonicalJson(request)).digest('hex');

/** P2–P4: file a request for a partner; the ticket and its events commit together. */
export const fileTicket = async (
  deps: { unitOfWork: UnitOfWork; outbox: Outbox; clock: Clock },
  input: { partnerId: string; channel: Channel; request: TicketRequest; idempotencyKey?: string },
): Promise<Result<FiledTicket, FileTicketError>> =>
  deps.unitOfWork.run(async (tx) => {
    const requestHash = hashRequest(input.request);
    if (input.idempotencyKey) {
      // Serialise retries of one key so two concurrent retries cannot both insert.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`idem:${input.partnerId}:${input.idempotencyKey}`]);
      const earlier = await ticketStore.findByIdempotencyKey(tx, input.partnerId, input.idempotencyKey);
      if (earlier) {
        if (earlier.requestHash !== requestHash) {
          return err({ kind: 'idempotency_conflict', detail: 'This Idempotency-Key was used for a different request.' });
        }
        return ok({ ticket: toTicket(earlier), replayed: true });
      }
    }
    // The events are numbered before the row is written, so the row goes in with its final
    // sequence and the outbox rows in one statement after it: no UPDATE, no SELECT first (issue #8).
    const now = deps.clock.now();
    const id = randomUUID();
    for (let attempt = 1; ; attempt += 1) {
      const reference = generateReference(randomBytes);
      const { ticket, effects } = openTicket({ id, partnerId: input.partnerId, reference, channel: input.channel, request: input.request }, now);
      const { drafts, sequence } = ticketEventDrafts(ticket, effects, now);
      ticket.sequence = sequence;
      if (await ticketStore.insertUnlessReferenceTaken(tx, ticket, { idempotencyKey: input.idempotencyKey, requestHash }, now)) {
        await deps.outbox.addAll(tx, drafts);
        return ok({ ticket, replayed: false });
      }
      if (attempt >= MAX_REFERENCE_ATTEMPTS) throw new Error(`no free reference number after ${attempt} attempts`);
    }
  });
