import type { EntityManager } from 'typeorm';
import type { Message } from '../domain/message';
import { INTAKE_SCHEMA } from './ticket.store';

interface MessageRow {
  id: string;
  ticket_id: string;
  partner_id: string;
  author_kind: Message['author']['kind'];
  author_id: string | null;
  author_name: string | null;
  /** The requester a staff member wrote for, through a site link they minted (author_kind `staff`). */
  on_behalf_of_requester_id: string | null;
  visibility: Message['visibility'];
  channel: Message['channel'];
  body: string;
  attachment_ids: string[];
  email_message_id: string | null;
  created_at: Date;
}

const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  author: {
    kind: r.author_kind,
    ...(r.author_id ? { id: r.author_id } : {}),
    ...(r.author_name ? { name: r.author_name } : {}),
    ...(r.on_behalf_of_requester_id ? { onBehalfOf: { kind: 'requester' as const, id: r.on_behalf_of_requester_id } } : {}),
  },
  visibility: r.visibility,
  channel: r.channel,
  body: r.body,
  attachmentIds: r.attachment_ids,
  ...(r.email_message_id ? { emailMessageId: r.email_message_id } : {}),
  createdAt: r.created_at,
});

export const messageStore = {
  async insert(tx: EntityManager, m: Message, extra: { idempotencyKey?: string; requestHash?: string } = {}): Promise<void> {
    await tx.query(
      `INSERT INTO "${INTAKE_SCHEMA}".messages (id, ticket_id, partner_id, author_kind, author_id, author_name, visibility, channel, body,
         attachment_ids, email_message_id, idempotency_key, request_hash, created_at, on_behalf_of_requester_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        m.id,
        m.ticketId,
        m.partnerId,
        m.author.kind,
        m.author.id ?? null,
        m.author.name ?? null,
        m.visibility,
        m.channel,
        m.body,
        m.attachmentIds,
        m.emailMessageId ?? null,
        extra.idempotencyKey ?? null,
        extra.requestHash ?? null,
        m.createdAt,
        m.author.onBehalfOf?.id ?? null,
      ],
    );
  },

  /**
   * A page of the thread in the order written (`position`, even within one instant), after the
   * position `after` when given; internal notes only when asked for (staff). Each message comes
   * with its position, where the next page starts.
   */
  async thread(
    tx: EntityManager,
    ticketId: string,
    options: { includeInternal: boolean; after?: string; limit: number },
  ): Promise<(Message & { position: string })[]> {
    const rows = (await tx.query(
      `SELECT *, position::text AS position_text FROM "${INTAKE_SCHEMA}".messages
        WHERE ticket_id = $1 AND position > $2::bigint ${options.includeInternal ? '' : `AND visibility = 'public'`}
        ORDER BY position LIMIT $3`,
      [ticketId, options.after ?? '0', options.limit],
    )) as (MessageRow & { position_text: string })[];
    return rows.map((r) => ({ ...toMessage(r), position: r.position_text }));
  },

  /** One message of the ticket by its id; an internal note only when asked for (staff), as the thread shows it. */
  async findOnTicket(tx: EntityManager, ticketId: string, messageId: string, options: { includeInternal: boolean }): Promise<Message | undefined> {
    const rows = (await tx.query(
      `SELECT * FROM "${INTAKE_SCHEMA}".messages WHERE id = $1 AND ticket_id = $2 ${options.includeInternal ? '' : `AND visibility = 'public'`}`,
      [messageId, ticketId],
    )) as MessageRow[];
    return rows[0] ? toMessage(rows[0]) : undefined;
  },

  /** A message already stored under this Idempotency-Key on the ticket (the effect committed), however long ago: the caller judges whether the key still binds. */
  async findByIdempotencyKey(tx: EntityManager, ticketId: string, key: string): Promise<(Message & { requestHash?: string }) | undefined> {
    const rows = (await tx.query(`SELECT * FROM "${INTAKE_SCHEMA}".messages WHERE ticket_id = $1 AND idempotency_key = $2`, [ticketId, key])) as (MessageRow & {
      request_hash: string | null;
    })[];
    return rows[0] ? { ...toMessage(rows[0]), ...(rows[0].request_hash ? { requestHash: rows[0].request_hash } : {}) } : undefined;
  },

  /**
   * Takes an expired Idempotency-Key off the message its first request posted, so a new message can
   * carry it under the unique (ticket, key) index (docs/adr/0028: the key is new 24 h after its
   * first request), and its verifier with it. The search trigger reads only body and visibility.
   */
  async releaseIdempotencyKey(tx: EntityManager, messageId: string): Promise<void> {
    await tx.query(`UPDATE "${INTAKE_SCHEMA}".messages SET idempotency_key = NULL, request_hash = NULL WHERE id = $1`, [messageId]);
  },

  /** P8: the ticket an e-mail Message-ID belongs to (a reply's In-Reply-To or References). */
  async ticketOfEmailMessageIds(tx: EntityManager, ids: readonly string[]): Promise<{ ticketId: string; partnerId: string } | undefined> {
    if (ids.length === 0) return undefined;
    const rows = (await tx.query(`SELECT ticket_id, partner_id FROM "${INTAKE_SCHEMA}".messages WHERE email_message_id = ANY($1) ORDER BY position DESC LIMIT 1`, [
      ids,
    ])) as { ticket_id: string; partner_id: string }[];
    return rows[0] ? { ticketId: rows[0].ticket_id, partnerId: rows[0].partner_id } : undefined;
  },

  async hasEmailMessageId(tx: EntityManager, id: string): Promise<boolean> {
    const rows = (await tx.query(`SELECT 1 FROM "${INTAKE_SCHEMA}".messages WHERE email_message_id = $1`, [id])) as unknown[];
    return rows.length > 0;
  },
};
