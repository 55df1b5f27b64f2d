import type { EntityManager } from 'typeorm';
import { fileNameWithoutAccessParticulars } from '@tss/service-kit';
import type { TicketStanding } from '../domain/inbound-follow-up';
import { NOTIFICATION_SCHEMA } from './acknowledgment.store';

const S = NOTIFICATION_SCHEMA;

export type InboundOutcome = 'threaded' | 'new_ticket' | 'quarantined' | 'ignored';

export interface AttachmentPointer {
  storageKey: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface InboundRow {
  id: string;
  messageId: string;
  outcome: InboundOutcome;
  reason: string | null;
  ticketId: string | null;
  partnerId: string | null;
  sender: string;
  /** The From display name, when it had one free of access particulars (P9). */
  senderName?: string | null;
  subject: string;
  textBody: string;
  attachments: AttachmentPointer[];
  receivedAt: Date;
  /** The staff member who released it from the quarantine (docs/adr/0067), and when. */
  releasedBy?: string | null;
  releasedAt?: Date | null;
  /** P11: the closed ticket whose follow-up takes this mail (its reference): a duplicate is answered so too. */
  followUpOf?: string | null;
}

interface RawInbound {
  id: string;
  message_id: string;
  outcome: InboundOutcome;
  reason: string | null;
  ticket_id: string | null;
  partner_id: string | null;
  sender: string;
  sender_name?: string | null;
  subject: string;
  text_body: string;
  attachments: AttachmentPointer[];
  received_at: Date;
  released_by?: string | null;
  released_at?: Date | null;
  follow_up_of?: string | null;
}

const toRow = (r: RawInbound): InboundRow => ({
  id: r.id,
  messageId: r.message_id,
  outcome: r.outcome,
  reason: r.reason,
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  sender: r.sender,
  senderName: r.sender_name ?? null,
  subject: r.subject,
  textBody: r.text_body,
  attachments: r.attachments,
  receivedAt: r.received_at,
  releasedBy: r.released_by ?? null,
  releasedAt: r.released_at ?? null,
  followUpOf: r.follow_up_of ?? null,
});

/**
 * P9: the mail's file names as kept, each particular removed (its extension kept), as the subject
 * and text are kept; intake vaults them from the event (docs/adr/0026, addendum of 2026-12-05, first session).
 */
const keptAttachments = (attachments: readonly AttachmentPointer[]): AttachmentPointer[] => attachments.map((a) => ({ ...a, filename: fileNameWithoutAccessParticulars(a.filename) }));

export const inboundStore = {
  /** False when a mail with this Message-ID was recorded already (a provider's retry): nothing more to do. */
  async insert(tx: EntityManager, row: InboundRow): Promise<boolean> {
    const inserted = (await tx.query(
      `INSERT INTO "${S}".inbound_messages (id, message_id, outcome, reason, ticket_id, partner_id, sender, subject, text_body, attachments, received_at, follow_up_of, sender_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (message_id) DO NOTHING RETURNING id`,
      [row.id, row.messageId, row.outcome, row.reason, row.ticketId, row.partnerId, row.sender, row.subject, row.textBody, JSON.stringify(keptAttachments(row.attachments)), row.receivedAt, row.followUpOf ?? null, row.senderName ?? null],
    )) as unknown[];
    return inserted.length === 1;
  },

  async byMessageId(tx: EntityManager, messageId: string): Promise<InboundRow | undefined> {
    const rows = (await tx.query(`SELECT * FROM "${S}".inbound_messages WHERE message_id = $1`, [messageId])) as RawInbound[];
    return rows[0] && toRow(rows[0]);
  },

  /** P8: a requester replying to their own earlier mail threads where that mail went. */
  async ticketOfMessageIds(tx: EntityManager, messageIds: readonly string[]): Promise<{ ticketId: string; partnerId: string } | undefined> {
    if (messageIds.length === 0) return undefined;
    const rows = (await tx.query(
      `SELECT ticket_id, partner_id FROM "${S}".inbound_messages WHERE message_id = ANY($1::text[]) AND ticket_id IS NOT NULL AND partner_id IS NOT NULL LIMIT 1`,
      [messageIds],
    )) as { ticket_id: string; partner_id: string }[];
    return rows[0] && { ticketId: rows[0].ticket_id, partnerId: rows[0].partner_id };
  },

  /**
   * P8: the mail that filed a ticket, named by its Message-ID (`openingMessageId` on `ticket.created`),
   * matched to the ticket when it filed a new one, so a reply to it threads there too. A reply to a
   * closed ticket that filed its follow-up keeps the ticket it was addressed to: a reply to it goes
   * there, and on to the open follow-up, as intake decides.
   */
  async claimMailByMessageId(tx: EntityManager, args: { partnerId: string; messageId: string; ticketId: string }): Promise<void> {
    await tx.query(
      `UPDATE "${S}".inbound_messages SET ticket_id = $3 WHERE message_id = $2 AND partner_id = $1 AND outcome = 'new_ticket' AND ticket_id IS NULL`,
      [args.partnerId, args.messageId, args.ticketId],
    );
  },

  /**
   * P8, for a `ticket.created` without `openingMessageId` (an intake older than that field): the
   * mail that opened a ticket by e-mail, by its sender: the newest one not yet matched, now matched
   * to the ticket. Right when the sender has one such mail; with several at once it may pick
   * another of theirs, which is why intake names the mail.
   */
  async claimOpeningMail(tx: EntityManager, args: { partnerId: string; sender: string; ticketId: string }): Promise<string | undefined> {
    const [rows] = (await tx.query(
      `UPDATE "${S}".inbound_messages SET ticket_id = $3
        WHERE id = (SELECT id FROM "${S}".inbound_messages
                     WHERE outcome = 'new_ticket' AND ticket_id IS NULL AND partner_id = $1 AND sender = $2
                     ORDER BY received_at DESC, id LIMIT 1 FOR UPDATE)
        RETURNING message_id`,
      [args.partnerId, args.sender.toLowerCase(), args.ticketId],
    )) as [{ message_id: string }[], number];
    return rows[0]?.message_id;
  },

  /**
   * Serialises one sender's new-ticket decisions until the transaction ends, so simultaneous mails
   * of one sender are counted one after the other against the per-sender limit.
   */
  async lockSender(tx: EntityManager, sender: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('notification.inbound-sender'), hashtext($1))`, [sender.toLowerCase()]);
  },

  /** How many tickets `sender`'s mail filed since `since` (the per-sender limit: index inbound_messages_new_ticket_sender). */
  async newTicketsOfSenderSince(tx: EntityManager, sender: string, since: Date): Promise<number> {
    const rows = (await tx.query(
      `SELECT count(*)::int AS filed FROM "${S}".inbound_messages WHERE outcome = 'new_ticket' AND sender = $1 AND received_at > $2`,
      [sender.toLowerCase(), since],
    )) as { filed: number }[];
    return rows[0]?.filed ?? 0;
  },

  /** The mail, its row locked until `tx` ends: releases of one mail take turns. */
  /** Whether a mail with this id was received (any outcome); no lock. */
  async exists(tx: EntityManager, id: string): Promise<boolean> {
    return ((await tx.query(`SELECT 1 FROM "${S}".inbound_messages WHERE id = $1`, [id])) as unknown[]).length > 0;
  },

  async lockById(tx: EntityManager, id: string): Promise<InboundRow | undefined> {
    const rows = (await tx.query(`SELECT * FROM "${S}".inbound_messages WHERE id = $1 FOR UPDATE`, [id])) as RawInbound[];
    return rows[0] && toRow(rows[0]);
  },

  /** docs/adr/0067: a quarantined mail takes the outcome a received one would have had, with who released it. */
  async markReleased(tx: EntityManager, args: { id: string; outcome: 'new_ticket' | 'threaded'; ticketId: string | null; partnerId: string; by: string; at: Date }): Promise<void> {
    await tx.query(
      `UPDATE "${S}".inbound_messages SET outcome = $2, ticket_id = $3, partner_id = $4, released_by = $5, released_at = $6 WHERE id = $1 AND outcome = 'quarantined'`,
      [args.id, args.outcome, args.ticketId, args.partnerId, args.by, args.at],
    );
  },

  /** P11: whether the ticket still takes mail: closed (`ticket.closed`), or resolved with its reopen window (the mail contact's). */
  async standingOf(tx: EntityManager, ticketId: string): Promise<TicketStanding | undefined> {
    const rows = (await tx.query(
      `SELECT a.reference, a.ticket_closed_at, c.reopen_window_ends_at
         FROM "${S}".acknowledgments a LEFT JOIN "${S}".mail_contacts c ON c.ticket_id = a.ticket_id
        WHERE a.ticket_id = $1`,
      [ticketId],
    )) as { reference: string; ticket_closed_at: Date | null; reopen_window_ends_at: Date | null }[];
    const r = rows[0];
    return r && { reference: r.reference, closedAt: r.ticket_closed_at, reopenWindowEndsAt: r.reopen_window_ends_at };
  },

  /** The ticket notification knows by id (its `ticket.created`, recorded as an acknowledgment), with its partner. */
  async knownTicket(tx: EntityManager, ticketId: string): Promise<{ ticketId: string; partnerId: string } | undefined> {
    const rows = (await tx.query(`SELECT ticket_id, partner_id FROM "${S}".acknowledgments WHERE ticket_id = $1`, [ticketId])) as { ticket_id: string; partner_id: string }[];
    return rows[0] && { ticketId: rows[0].ticket_id, partnerId: rows[0].partner_id };
  },

  async quarantined(tx: EntityManager, limit: number): Promise<InboundRow[]> {
    const rows = (await tx.query(`SELECT * FROM "${S}".inbound_messages WHERE outcome = 'quarantined' ORDER BY received_at DESC, id LIMIT $1`, [limit])) as RawInbound[];
    return rows.map(toRow);
  },

  /** P3/P8: the ticket a reference names, from the acknowledgments recorded on `ticket.created`. */
  async ticketOfReference(tx: EntityManager, reference: string): Promise<{ ticketId: string; partnerId: string } | undefined> {
    const rows = (await tx.query(`SELECT ticket_id, partner_id FROM "${S}".acknowledgments WHERE reference = $1`, [reference])) as { ticket_id: string; partner_id: string }[];
    return rows[0] && { ticketId: rows[0].ticket_id, partnerId: rows[0].partner_id };
  },

  async partnerOfDomain(tx: EntityManager, domain: string): Promise<string | undefined> {
    const rows = (await tx.query(`SELECT partner_id FROM "${S}".partner_mail_domains WHERE domain = $1`, [domain])) as { partner_id: string }[];
    return rows[0]?.partner_id;
  },

  /** The domain's partner, its row locked until the transaction ends (a PUT deciding on it); undefined when the domain is nobody's. */
  async lockDomain(tx: EntityManager, domain: string): Promise<string | undefined> {
    const rows = (await tx.query(`SELECT partner_id FROM "${S}".partner_mail_domains WHERE domain = $1 FOR UPDATE`, [domain])) as { partner_id: string }[];
    return rows[0]?.partner_id;
  },

  async putDomain(tx: EntityManager, args: { domain: string; partnerId: string; by: string; at: Date }): Promise<void> {
    await tx.query(
      `INSERT INTO "${S}".partner_mail_domains (domain, partner_id, added_by, added_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (domain) DO UPDATE SET partner_id = EXCLUDED.partner_id, added_by = EXCLUDED.added_by, added_at = EXCLUDED.added_at`,
      [args.domain, args.partnerId, args.by, args.at],
    );
  },

  async deleteDomain(tx: EntityManager, domain: string): Promise<boolean> {
    // TypeORM answers a DELETE with [rows, affected count].
    const [, affected] = (await tx.query(`DELETE FROM "${S}".partner_mail_domains WHERE domain = $1`, [domain])) as [unknown[], number];
    return affected > 0;
  },

  async domains(tx: EntityManager): Promise<{ domain: string; partnerId: string; addedAt: Date }[]> {
    const rows = (await tx.query(`SELECT domain, partner_id, added_at FROM "${S}".partner_mail_domains ORDER BY domain`)) as { domain: string; partner_id: string; added_at: Date }[];
    return rows.map((r) => ({ domain: r.domain, partnerId: r.partner_id, addedAt: r.added_at }));
  },
};
