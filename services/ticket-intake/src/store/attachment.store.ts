import type { EntityManager } from 'typeorm';
import type { Actor } from '../domain/actor';
import { INTAKE_SCHEMA } from './ticket.store';

/** One stored attachment: its bytes are in blob storage under `storageKey`. */
export interface AttachmentRecord {
  id: string;
  ticketId: string;
  partnerId: string;
  /** Null until a message names it. */
  messageId: string | null;
  /** Display only (sanitised); never a path. */
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  storageKey: string;
  uploadedBy: Actor;
  createdAt: Date;
}

/** An attachment a message now carries: what its announcement names (P8: the requester's mail lists it). */
export interface LinkedAttachment {
  id: string;
  /** As stored: display only, credentials masked (P9). */
  fileName: string;
  size: number;
}

/** Who reads: staff see every attachment; partners and requesters not those of internal notes, nor staff uploads not yet on a public message. */
export type AttachmentReader = { staff: true } | { staff: false };

/** A ticket as the attachment routes need it: whose it is. */
export interface TicketOwner {
  id: string;
  partnerId: string;
  requesterId: string | null;
}

interface AttachmentRow {
  id: string;
  ticket_id: string;
  partner_id: string;
  message_id: string | null;
  file_name: string;
  content_type: string;
  size: string;
  sha256: string;
  storage_key: string;
  uploaded_by_kind: Actor['kind'];
  uploaded_by_id: string;
  created_at: Date;
}

const COLUMNS = 'a.id, a.ticket_id, a.partner_id, a.message_id, a.file_name, a.content_type, a.size, a.sha256, a.storage_key, a.uploaded_by_kind, a.uploaded_by_id, a.created_at';

const toRecord = (r: AttachmentRow): AttachmentRecord => ({
  id: r.id,
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  messageId: r.message_id,
  fileName: r.file_name,
  contentType: r.content_type,
  size: Number(r.size),
  sha256: r.sha256,
  storageKey: r.storage_key,
  uploadedBy: { kind: r.uploaded_by_kind, id: r.uploaded_by_id } as Actor,
  createdAt: r.created_at,
});

// An internal note's attachments are for staff only, like the note; so is a staff upload until a
// public message carries it.
const visibleTo = (reader: AttachmentReader): string =>
  reader.staff
    ? 'TRUE'
    : `((a.message_id IS NULL AND a.uploaded_by_kind <> 'staff')
        OR EXISTS (SELECT 1 FROM "${INTAKE_SCHEMA}".messages m WHERE m.id = a.message_id AND m.visibility = 'public'))`;

export const attachmentStore = {
  /**
   * The ticket a route names, if the caller may see it: within the partner for partner and requester
   * scopes (and the requester's own for a requester), any for staff. Null otherwise: tenancy makes a
   * foreign ticket indistinguishable from a missing one.
   */
  async findTicket(tx: EntityManager, ticketId: string, within: { partnerId?: string; requesterId?: string }): Promise<TicketOwner | null> {
    const rows = (await tx.query(
      `SELECT id, partner_id, requester_id FROM "${INTAKE_SCHEMA}".tickets
        WHERE id = $1 AND ($2::uuid IS NULL OR partner_id = $2) AND ($3::text IS NULL OR requester_id = $3)`,
      [ticketId, within.partnerId ?? null, within.requesterId ?? null],
    )) as { id: string; partner_id: string; requester_id: string | null }[];
    return rows[0] ? { id: rows[0].id, partnerId: rows[0].partner_id, requesterId: rows[0].requester_id } : null;
  },

  async insert(tx: EntityManager, records: readonly AttachmentRecord[]): Promise<void> {
    if (records.length === 0) return;
    const values: unknown[] = [];
    const rows = records.map((a, i) => {
      values.push(a.id, a.ticketId, a.partnerId, a.messageId, a.fileName, a.contentType, a.size, a.sha256, a.storageKey, a.uploadedBy.kind, a.uploadedBy.id, a.createdAt);
      return `(${Array.from({ length: 12 }, (_, j) => `$${i * 12 + j + 1}`).join(', ')})`;
    });
    await tx.query(
      `INSERT INTO "${INTAKE_SCHEMA}".attachments (id, ticket_id, partner_id, message_id, file_name, content_type, size, sha256, storage_key,
         uploaded_by_kind, uploaded_by_id, created_at) VALUES ${rows.join(', ')}`,
      values,
    );
  },

  /** A ticket's attachments the reader may see, oldest first. */
  async listForTicket(tx: EntityManager, ticketId: string, reader: AttachmentReader): Promise<AttachmentRecord[]> {
    const rows = (await tx.query(
      `SELECT ${COLUMNS} FROM "${INTAKE_SCHEMA}".attachments a WHERE a.ticket_id = $1 AND ${visibleTo(reader)} ORDER BY a.created_at, a.id`,
      [ticketId],
    )) as AttachmentRow[];
    return rows.map(toRecord);
  },

  async find(tx: EntityManager, ticketId: string, attachmentId: string, reader: AttachmentReader): Promise<AttachmentRecord | null> {
    const rows = (await tx.query(`SELECT ${COLUMNS} FROM "${INTAKE_SCHEMA}".attachments a WHERE a.ticket_id = $1 AND a.id = $2 AND ${visibleTo(reader)}`, [
      ticketId,
      attachmentId,
    ])) as AttachmentRow[];
    return rows[0] ? toRecord(rows[0]) : null;
  },

  /**
   * Links the given unlinked attachments of the ticket to a message; answers those it linked (id,
   * display name, size), in no particular order. The row locks it takes make two messages naming
   * the same attachment wait for each other, so only one of them gets it.
   */
  async link(tx: EntityManager, input: { ticketId: string; partnerId: string; messageId: string; attachmentIds: readonly string[] }): Promise<LinkedAttachment[]> {
    type Row = { id: string; file_name: string; size: string };
    const rows = (await tx.query(
      `UPDATE "${INTAKE_SCHEMA}".attachments SET message_id = $4
        WHERE id = ANY($3::uuid[]) AND ticket_id = $1 AND partner_id = $2 AND message_id IS NULL RETURNING id, file_name, size`,
      [input.ticketId, input.partnerId, input.attachmentIds, input.messageId],
    )) as [Row[], number] | Row[];
    // TypeORM's postgres driver answers an UPDATE … RETURNING as [rows, count].
    const returned = Array.isArray(rows[0]) ? (rows[0] as Row[]) : (rows as Row[]);
    return returned.map((r) => ({ id: r.id, fileName: r.file_name, size: Number(r.size) }));
  },
};
