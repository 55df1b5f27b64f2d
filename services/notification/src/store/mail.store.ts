import type { EntityManager } from 'typeorm';
import { toStorableText } from '@tss/contracts';
import { prepared } from '@tss/persistence';
import type { TraceCarrier } from '@tss/service-kit';
import { bringTimersForwardSql } from '@tss/timers';
import type { MailsAhead } from '../domain/mail-ticket-line';
import type { OutboxPosition } from '../domain/mail-outbox-cursor';
import { NOTIFICATION_SCHEMA } from './acknowledgment.store';
import { instanceDeadSql } from './instance.store';
import { rowsOf } from './webhook-rows';

const S = NOTIFICATION_SCHEMA;

export type MailKind =
  | 'acknowledgment'
  | 'agent_reply'
  | 'information_requested'
  | 'resolved'
  | 'rating_invitation'
  | 'reopened'
  | 'closed_out_of_scope'
  /** P8: attachments of the requester's mail were not accepted. */
  | 'attachments_refused'
  /** P9: the requester's message held access particulars, moved to the vault. */
  | 'credentials_vaulted'
  /** P9: access particulars were handed over after the resolution: change them, they go with the resolution's. */
  | 'credentials_after_resolution'
  // To staff and endpoint owners, not to the ticket's requester: a reply to them never threads onto the ticket.
  | 'escalation_notice'
  | 'webhook_endpoint_disabled';

/** Mail to the requester: a reply naming its Message-ID threads onto its ticket (P8). */
export const REQUESTER_MAIL_KINDS: readonly MailKind[] = ['acknowledgment', 'agent_reply', 'information_requested', 'resolved', 'rating_invitation', 'reopened', 'closed_out_of_scope', 'attachments_refused', 'credentials_vaulted', 'credentials_after_resolution'];
/** Mail to staff and endpoint owners: a reply naming its Message-ID is quarantined, whatever its subject says (docs/mail.md). */
export const STAFF_MAIL_KINDS: readonly MailKind[] = ['escalation_notice', 'webhook_endpoint_disabled'];
/** Every kind of mail: the `kind` label's values. */
export const MAIL_KINDS: readonly MailKind[] = [...REQUESTER_MAIL_KINDS, ...STAFF_MAIL_KINDS];
export type MailStatus = 'pending' | 'sent' | 'failed';

export interface MailRow {
  id: string;
  ticketId: string | null;
  partnerId: string | null;
  kind: MailKind;
  recipient: string;
  /** RFC 5322: the display name of To (`displayNameOf`), null for the bare address. */
  recipientName: string | null;
  language: string;
  messageId: string;
  inReplyTo: string | null;
  subject: string;
  textBody: string;
  htmlBody: string;
  status: MailStatus;
  transport: string | null;
  attempts: number;
  lastError: string | null;
  smtpResponse: string | null;
  createdAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
  /** The instance whose attempt is under way; null when none is (never tried, waiting for its retry, or taken back). */
  attemptInstanceId: string | null;
  /** Attempts that do not count towards `MAIL_MAX_ATTEMPTS`: those the server refused for our session. */
  attemptsNotCounted: number;
  /** How many times the server refused our session for it (its retry's delay). */
  sessionRefusals: number;
  /** When the server last refused our session for it; null once another outcome was recorded. */
  sessionRefusedAt: Date | null;
  /** When an operator sent it again after it had failed (`POST /v1/mail/outbox/{id}/retry`), and who; null when nobody did. */
  resentAt: Date | null;
  resentBy: string | null;
  /** P8: the ticket's thread message an `agent_reply` carries (one mail per message); null for every other mail. */
  threadMessageId: string | null;
  /** The trace the mail was queued in (empty: none): its send and its event join it. */
  trace: TraceCarrier;
  /**
   * Whether the mail has a place in its ticket's line of requester mail (docs/adr/0035, addendum of
   * 2026-12-05, seventh session): it is sent only after the earlier ones have ended. False for
   * staff mail, mail of no ticket, and mail queued before the line existed.
   */
  inTicketLine: boolean;
  /** Queued while an earlier mail of its ticket was pending: its attempt starts only once none is. */
  held: boolean;
}

export interface MailContactRow {
  ticketId: string;
  partnerId: string;
  reference: string;
  email: string;
  /** The requester's name as To shows it (`displayNameOf`), null when the ticket names none. */
  requesterName: string | null;
  language: string;
  subject: string;
  /** The Message-ID of the ticket's first mail: later mails name it in References so clients thread them. */
  threadRootId: string | null;
  /** P12: whom the support-site links in its mail open the ticket to (`siteRequesterOf`). */
  siteRequester: string;
}

/** P11: what the resolved mail says, gathered from `ticket.resolved` and `rating.requested`. */
export interface MailResolutionRow {
  rateUrl: string | null;
  resolvedAt: Date | null;
  reopenWindowEndsAt: Date | null;
  credentialsHeld: boolean;
  /** Set once the resolved mail was queued: later news (a rating link) goes in a mail of its own. */
  resolvedMailId: string | null;
}

/** P11: which resolution the contact last read, and which one its rating link belongs to (`ticket.resolved`'s `sequence`). */
export interface MailRatingLinkSequences {
  resolutionSequence: number | null;
  linkSequence: number | null;
}

/** The contact as `contact` reads it: who, what the resolved mail says, and which resolution its link is (docs/adr/0035, third session of 2026-12-05). */
export type MailContact = MailContactRow & MailResolutionRow & MailRatingLinkSequences;

/** SQL and its parameters, to fold into a statement of the caller's. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** A fragment whose parameters are numbered from `first`. */
export type SqlFragmentAt = (first: number) => SqlFragment;

/** A mail just marked sent: what its events and logs need. */
export interface SentMail {
  id: string;
  ticketId: string | null;
  partnerId: string | null;
  kind: MailKind;
  subject: string;
  /** The acknowledgment recorded for an acknowledgment mail's ticket (P3), if any. */
  acknowledgment: { reference: string; channel: string } | null;
  /** When the server accepted it (recorded as `sent_at`). */
  sentAt: Date;
  /** It had a place in its ticket's line: the next mail in line may be released. */
  inTicketLine: boolean;
}

interface RawMail {
  id: string;
  ticket_id: string | null;
  partner_id: string | null;
  kind: MailKind;
  recipient: string;
  recipient_name: string | null;
  language: string;
  message_id: string;
  in_reply_to: string | null;
  subject: string;
  text_body: string;
  html_body: string;
  status: MailStatus;
  transport: string | null;
  attempts: number;
  last_error: string | null;
  smtp_response: string | null;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
  attempt_instance_id: string | null;
  thread_message_id: string | null;
  attempts_not_counted?: number;
  session_refusals?: number;
  session_refused_at?: Date | null;
  resent_at?: Date | null;
  resent_by?: string | null;
  traceparent?: string | null;
  tracestate?: string | null;
  queue_seq?: string | null;
  held?: boolean;
}

const toMail = (r: RawMail): MailRow => ({
  id: r.id,
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  kind: r.kind,
  recipient: r.recipient,
  recipientName: r.recipient_name,
  language: r.language,
  messageId: r.message_id,
  inReplyTo: r.in_reply_to,
  subject: r.subject,
  textBody: r.text_body,
  htmlBody: r.html_body,
  status: r.status,
  transport: r.transport,
  attempts: r.attempts,
  lastError: r.last_error,
  smtpResponse: r.smtp_response,
  createdAt: r.created_at,
  sentAt: r.sent_at,
  failedAt: r.failed_at,
  attemptInstanceId: r.attempt_instance_id ?? null,
  attemptsNotCounted: r.attempts_not_counted ?? 0,
  sessionRefusals: r.session_refusals ?? 0,
  sessionRefusedAt: r.session_refused_at ?? null,
  resentAt: r.resent_at ?? null,
  resentBy: r.resent_by ?? null,
  threadMessageId: r.thread_message_id ?? null,
  trace: { ...(r.traceparent ? { traceparent: r.traceparent } : {}), ...(r.tracestate ? { tracestate: r.tracestate } : {}) },
  inTicketLine: r.queue_seq !== null && r.queue_seq !== undefined,
  held: r.held ?? false,
});

/**
 * A mail as queued: nothing tried yet. `threadMessageId` only for an `agent_reply`. `inTicketLine`:
 * it takes the next place in its ticket's line (a requester mail of a ticket), `held` if an earlier
 * mail of the ticket is pending then; left out, it has none.
 */
export type NewMail = Omit<
  MailRow,
  'status' | 'transport' | 'attempts' | 'lastError' | 'smtpResponse' | 'sentAt' | 'failedAt' | 'attemptInstanceId' | 'threadMessageId' | 'trace' | 'inTicketLine' | 'held' | 'attemptsNotCounted' | 'sessionRefusals' | 'sessionRefusedAt' | 'resentAt' | 'resentBy'
> & {
  threadMessageId?: string | null;
  trace?: TraceCarrier;
  inTicketLine?: boolean;
};

const newMailParams = (mail: NewMail): unknown[] => [
  mail.id,
  mail.ticketId,
  mail.partnerId,
  mail.kind,
  mail.recipient,
  mail.language,
  mail.messageId,
  mail.inReplyTo,
  mail.subject,
  mail.textBody,
  mail.htmlBody,
  mail.createdAt,
  mail.recipientName,
  mail.threadMessageId ?? null,
  mail.trace?.traceparent ?? null,
  mail.trace?.tracestate ?? null,
  (mail.inTicketLine ?? false) && mail.ticketId !== null,
];

/**
 * The columns and values of a new mail (parameters of `newMailParams`). Its place in its ticket's
 * line is the sequence's next number, and it is `held` when an earlier mail of the ticket is still
 * pending. Every requester mail of a ticket is queued under the ticket's contact lock (`contact`;
 * the acknowledgment writes the contact in its own statement), so the earlier ones were committed
 * before this statement's snapshot, or written earlier in its transaction: none is missed. One that
 * ends while this commits leaves this one held for nothing: its first timer, due now as for any
 * mail, finds nothing ahead and sends it (`aheadInLine`).
 */
const NEW_MAIL_COLUMNS = `id, ticket_id, partner_id, kind, recipient, language, message_id, in_reply_to, subject, text_body, html_body, created_at, recipient_name, thread_message_id, traceparent, tracestate, queue_seq, held`;
const NEW_MAIL_VALUES = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
         CASE WHEN $17::boolean THEN nextval('"${S}".mail_messages_queue_seq') END,
         $17::boolean AND EXISTS (SELECT 1 FROM "${S}".mail_messages l WHERE l.ticket_id = $2 AND l.queue_seq IS NOT NULL AND l.status = 'pending')`;

/** The mail insert `sql` (its parameters first), the caller's other writes (`also`) and the timers, as one statement. */
const writeWith = async (tx: EntityManager, sql: string, params: unknown[], also: readonly SqlFragmentAt[], timers: SqlFragmentAt): Promise<void> => {
  const all = [...params];
  const ctes = [`mail AS (${sql})`];
  also.forEach((fragmentAt, i) => {
    const fragment = fragmentAt(all.length + 1);
    ctes.push(`also_${i} AS (${fragment.sql})`);
    all.push(...fragment.params);
  });
  const last = timers(all.length + 1);
  await tx.query(`WITH ${ctes.join(', ')} ${last.sql}`, [...all, ...last.params]);
};

export const mailStore = {
  async insert(tx: EntityManager, mail: NewMail): Promise<void> {
    await tx.query(`INSERT INTO "${S}".mail_messages (${NEW_MAIL_COLUMNS}) VALUES (${NEW_MAIL_VALUES})`, newMailParams(mail));
  },

  /**
   * `insert`, and in the same statement other writes of the caller's (`also`, each a
   * data-modifying statement numbered from the `first` it is given) and its timers
   * (`TimerStore.scheduleAllStatement`, numbered from the `first` it is given): the mail, its first
   * send timer and what the event recorded with it in one round trip (issue #11).
   */
  async insertWith(
    tx: EntityManager,
    mail: NewMail,
    also: readonly SqlFragmentAt[],
    timers: SqlFragmentAt,
  ): Promise<void> {
    await writeWith(tx, `INSERT INTO "${S}".mail_messages (${NEW_MAIL_COLUMNS}) VALUES (${NEW_MAIL_VALUES})`, newMailParams(mail), also, timers);
  },

  /**
   * `insertWith` for several mails in one statement (a consumer batch's acknowledgments, issue
   * #15): the mails as one JSON document, each taking its place in its ticket's line as `insert`
   * gives it. No two of them may be of one ticket: neither would see the other's place.
   */
  async insertAllWith(
    tx: EntityManager,
    mails: readonly NewMail[],
    also: readonly SqlFragmentAt[],
    timers: SqlFragmentAt,
  ): Promise<void> {
    const rows = mails.map((mail) => {
      const [id, ticketId, partnerId, kind, recipient, language, messageId, inReplyTo, subject, textBody, htmlBody, createdAt, recipientName, threadMessageId, traceparent, tracestate, inLine] = newMailParams(mail);
      return { id, ticket_id: ticketId, partner_id: partnerId, kind, recipient, language, message_id: messageId, in_reply_to: inReplyTo, subject, text_body: textBody, html_body: htmlBody,
        created_at: createdAt, recipient_name: recipientName, thread_message_id: threadMessageId, traceparent, tracestate, in_line: inLine };
    });
    await writeWith(
      tx,
      `INSERT INTO "${S}".mail_messages (${NEW_MAIL_COLUMNS})
       SELECT m.id, m.ticket_id, m.partner_id, m.kind, m.recipient, m.language, m.message_id, m.in_reply_to, m.subject, m.text_body, m.html_body, m.created_at,
              m.recipient_name, m.thread_message_id, m.traceparent, m.tracestate,
              CASE WHEN m.in_line THEN nextval('"${S}".mail_messages_queue_seq') END,
              m.in_line AND EXISTS (SELECT 1 FROM "${S}".mail_messages l WHERE l.ticket_id = m.ticket_id AND l.queue_seq IS NOT NULL AND l.status = 'pending')
         FROM jsonb_to_recordset($1::jsonb) AS m(id uuid, ticket_id uuid, partner_id uuid, kind text, recipient text, language text, message_id text, in_reply_to text, subject text,
              text_body text, html_body text, created_at timestamptz, recipient_name text, thread_message_id uuid, traceparent text, tracestate text, in_line boolean)`,
      [JSON.stringify(rows)],
      also,
      timers,
    );
  },

  /**
   * Tickets' requester contacts (`ticket.created`), one JSON document (numbered from `first`), one
   * per ticket; a contact written again keeps its thread's root.
   */
  saveContactsStatement(contacts: readonly MailContactRow[], at: Date, first: number): SqlFragment {
    const rows = contacts.map((c) => ({
      ticket_id: c.ticketId,
      partner_id: c.partnerId,
      reference: c.reference,
      email: c.email,
      language: c.language,
      subject: c.subject,
      thread_root_id: c.threadRootId,
      site_requester: c.siteRequester,
      requester_name: c.requesterName,
    }));
    return {
      sql: `INSERT INTO "${S}".mail_contacts (ticket_id, partner_id, reference, email, language, subject, thread_root_id, updated_at, site_requester, requester_name)
       SELECT c.ticket_id, c.partner_id, c.reference, c.email, c.language, c.subject, c.thread_root_id, $${first + 1}::timestamptz, c.site_requester, c.requester_name
         FROM jsonb_to_recordset($${first}::jsonb) AS c(ticket_id uuid, partner_id uuid, reference text, email text, language text, subject text, thread_root_id text, site_requester text, requester_name text)
       ON CONFLICT (ticket_id) DO UPDATE SET email = EXCLUDED.email, language = EXCLUDED.language, updated_at = EXCLUDED.updated_at, site_requester = EXCLUDED.site_requester,
         requester_name = EXCLUDED.requester_name,
         thread_root_id = COALESCE("${S}".mail_contacts.thread_root_id, EXCLUDED.thread_root_id)`,
      params: [JSON.stringify(rows), at],
    };
  },


  /**
   * The mails as committed, after waiting for any transaction that holds a row of them (the firing
   * of a send timer): one statement in a transaction of its own, released at once (issue #11: a
   * BEGIN, a locking read and a COMMIT per mail before), for the sends that start together (issue
   * #15). The rows are locked in id order, as the timer batches lock them, so the two wait and
   * never deadlock.
   */
  async readAllCommitted(db: Pick<EntityManager, 'query'>, ids: readonly string[]): Promise<Map<string, MailRow & { parentInReplyTo: string | null }>> {
    if (ids.length === 0) return new Map();
    // The mail it answers, if that is ours, and what that one answered: References names both
    // (RFC 5322 §3.6.4). One statement still; only the mails' own rows are locked.
    const rows = (await db.query(
      `SELECT m.*, parent.in_reply_to AS parent_in_reply_to
         FROM "${S}".mail_messages m LEFT JOIN "${S}".mail_messages parent ON parent.message_id = m.in_reply_to
        WHERE m.id = ANY($1::uuid[]) ORDER BY m.id FOR UPDATE OF m`,
      [ids],
    )) as (RawMail & { parent_in_reply_to: string | null })[];
    return new Map(rows.map((r) => [r.id, { ...toMail(r), parentInReplyTo: r.parent_in_reply_to }]));
  },

  /**
   * Pending mails marked sent and each one's next attempt's timer (`timerId` in `timerSchema`)
   * deleted, in one statement after their rows are locked in id order when there are several (as
   * `lockAll` and the timer batches take them, so two transactions never wait on each other in a
   * cycle); returns what each
   * sent mail's event needs (an acknowledgment's reference and channel). A mail no longer pending
   * (settled by another attempt) is left as it is and not returned. Each one's `sentAt` is when the
   * server accepted it, which an outcome recorded after a database outage is long after.
   */
  async markAllSentIfPending(
    tx: EntityManager,
    sent: readonly { id: string; response: string; timerId: string; sentAt: Date }[],
    args: { transport: string; timerSchema: string },
  ): Promise<SentMail[]> {
    if (sent.length === 0) return [];
    // One row alone cannot wait in a cycle: the lock statement is for many.
    if (sent.length > 1) await tx.query(`SELECT id FROM "${S}".mail_messages WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [sent.map((m) => m.id)]);
    const rows = (await tx.query(
      `WITH u AS (SELECT * FROM json_to_recordset($1::json) AS u(id uuid, response text, timer_id text, sent_at timestamptz)),
       sent AS (
         UPDATE "${S}".mail_messages m SET status = 'sent', sent_at = u.sent_at, transport = $2, smtp_response = u.response, last_error = NULL
           FROM u
          WHERE m.id = u.id AND m.status = 'pending'
          RETURNING m.id, m.ticket_id, m.partner_id, m.kind, m.subject, m.sent_at, m.queue_seq IS NOT NULL AS in_line
       ), cancelled AS (
         DELETE FROM "${args.timerSchema}".timers t USING u, sent WHERE t.id = u.timer_id AND u.id = sent.id AND t.status = 'pending'
       )
       SELECT sent.*, a.reference AS ack_reference, a.channel AS ack_channel
         FROM sent LEFT JOIN "${S}".acknowledgments a ON sent.kind = 'acknowledgment' AND a.ticket_id = sent.ticket_id`,
      // The server's answer is diagnostic text: what PostgreSQL cannot store in text (NUL, a lone
      // surrogate) is dropped rather than failing the record of a mail that was sent.
      [JSON.stringify(sent.map((m) => ({ id: m.id, response: toStorableText(m.response).slice(0, 1_000), timer_id: m.timerId, sent_at: m.sentAt.toISOString() }))), args.transport],
    )) as {
      id: string;
      ticket_id: string | null;
      partner_id: string | null;
      kind: MailKind;
      subject: string;
      sent_at: Date;
      in_line: boolean;
      ack_reference: string | null;
      ack_channel: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      ticketId: r.ticket_id,
      partnerId: r.partner_id,
      kind: r.kind,
      subject: r.subject,
      acknowledgment: r.ack_reference !== null && r.ack_channel !== null ? { reference: r.ack_reference, channel: r.ack_channel } : null,
      sentAt: r.sent_at,
      inTicketLine: r.in_line,
    }));
  },

  /**
   * For each of the held mails `ids` (locked by the caller), the earlier mails of its ticket's line
   * still pending, and how many of those this statement share-locked. A lock means the mail's end
   * is recorded after the caller commits, by a transaction whose release (`releaseNextInLine`, a
   * statement after the one that ended it) then sees what the caller wrote; one it could not lock is
   * being fired or recorded right now, and may have ended unseen. `SKIP LOCKED`: nothing waits, so
   * a firing never waits for another in a cycle. A mail of no line has nothing ahead.
   */
  async aheadInLine(tx: EntityManager, ids: readonly string[]): Promise<Map<string, MailsAhead>> {
    if (ids.length === 0) return new Map();
    const rows = rowsOf<{ id: string; pending: number; locked: number }>(
      await tx.query(
        `WITH behind AS (
           SELECT b.id, b.ticket_id, b.queue_seq FROM "${S}".mail_messages b WHERE b.id = ANY($1::uuid[])
         ), ahead AS MATERIALIZED (
           SELECT behind.id AS behind_id, a.id FROM behind
             JOIN "${S}".mail_messages a ON a.ticket_id = behind.ticket_id AND a.queue_seq < behind.queue_seq
            WHERE a.status = 'pending' AND a.queue_seq IS NOT NULL
         ), locked AS MATERIALIZED (
           -- Read again as it now is: one that ended since this statement's snapshot is not locked.
           SELECT a.id FROM "${S}".mail_messages a WHERE a.id IN (SELECT id FROM ahead) AND a.status = 'pending' FOR SHARE OF a SKIP LOCKED
         )
         SELECT behind.id, count(ahead.id)::int AS pending, count(locked.id)::int AS locked
           FROM behind LEFT JOIN ahead ON ahead.behind_id = behind.id LEFT JOIN locked ON locked.id = ahead.id
          GROUP BY behind.id`,
        [ids],
      ),
    );
    return new Map(rows.map((r) => [r.id, { pending: r.pending, locked: r.locked }]));
  },

  /**
   * Releases, for each ticket of `ticketIds` whose mail just ended in `tx`, the first mail still
   * pending in its line if it is held: its next attempt's timer (`timerIdPrefix` + id + `:` +
   * attempt, in `timerSchema`) brought forward to `now`; its firing checks the line again and sends
   * it. Run as a statement after the one that ended the mails: its snapshot shows what a firing that
   * share-locked them (`aheadInLine`) committed before they could be ended. A timer another
   * transaction holds (a firing of that very mail) is skipped: that firing finds the ended mail
   * locked and looks again within `MAIL_HOLD_RECHECK_SOON_MS`. `also`: a data-modifying statement
   * of the caller's run in the same one (numbered from the `first` it is given): the sent mails'
   * events, so the release costs an acknowledgment no round trip. Returns the mails released.
   */
  async releaseNextInLine(
    tx: EntityManager,
    args: { ticketIds: readonly string[]; now: Date; timerSchema: string; timerIdPrefix: string },
    also?: SqlFragmentAt,
  ): Promise<string[]> {
    if (args.ticketIds.length === 0) return [];
    const timers = `"${args.timerSchema}".timers`;
    const params: unknown[] = [[...new Set(args.ticketIds)], args.now, args.timerIdPrefix];
    const alongside = also?.(params.length + 1);
    const rows = rowsOf<{ id: string }>(
      await tx.query(
        prepared(`WITH next_in_line AS (
           SELECT DISTINCT ON (m.ticket_id) m.id, m.held, m.attempts FROM "${S}".mail_messages m
            WHERE m.ticket_id = ANY($1::uuid[]) AND m.queue_seq IS NOT NULL AND m.status = 'pending'
            ORDER BY m.ticket_id, m.queue_seq
         ), armed AS (
           SELECT t.id AS timer_id, n.id FROM ${timers} t JOIN next_in_line n ON t.id = $3 || n.id::text || ':' || (n.attempts + 1)
            WHERE n.held AND t.status = 'pending'
              FOR UPDATE OF t SKIP LOCKED
         ), released AS (
           ${bringTimersForwardSql(args.timerSchema, { from: 'armed', timerIdColumn: 'timer_id', now: '$2', returning: 'armed.id' })}
         )${alongside ? `, alongside AS (${alongside.sql})` : ''}
         SELECT id FROM released`),
        [...params, ...(alongside?.params ?? [])],
      ),
    );
    return rows.map((r) => r.id);
  },

  /**
   * The ticket of held mail `id` once the transactions that held it and the mails ahead of it have
   * ended, when it is still held and nothing ahead of it is pending any more; undefined otherwise.
   * Each of its two reads is a statement of its own that waits for the rows' locks and keeps none,
   * so it holds nothing while it waits and waits in no cycle (`MailSender`'s watch of a busy line).
   */
  async settledLine(db: Pick<EntityManager, 'query'>, id: string): Promise<string | undefined> {
    const [mail] = rowsOf<{ ticket_id: string | null; queue_seq: string | null; held: boolean; status: string }>(
      await db.query(`SELECT ticket_id, queue_seq, held, status FROM "${S}".mail_messages WHERE id = $1 FOR SHARE`, [id]),
    );
    if (!mail || mail.status !== 'pending' || !mail.held || mail.ticket_id === null || mail.queue_seq === null) return undefined;
    const ahead = rowsOf<{ id: string }>(
      await db.query(`SELECT id FROM "${S}".mail_messages WHERE ticket_id = $1 AND queue_seq < $2 AND queue_seq IS NOT NULL AND status = 'pending' FOR SHARE`, [
        mail.ticket_id,
        mail.queue_seq,
      ]),
    );
    return ahead.length === 0 ? mail.ticket_id : undefined;
  },

  /** The mail, its row locked until `tx` ends: an attempt and its outcome are recorded one at a time. */
  async lock(tx: EntityManager, id: string): Promise<MailRow | undefined> {
    const rows = (await tx.query(`SELECT * FROM "${S}".mail_messages WHERE id = $1 FOR UPDATE`, [id])) as RawMail[];
    return rows[0] && toMail(rows[0]);
  },

  /** `lock` for many mails in one statement, in id order (two batches never wait on each other in a cycle). */
  async lockAll(tx: EntityManager, ids: readonly string[]): Promise<MailRow[]> {
    if (ids.length === 0) return [];
    const rows = (await tx.query(`SELECT * FROM "${S}".mail_messages WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids])) as RawMail[];
    return rows.map(toMail);
  },

  /**
   * `startAttempt` for many mails in one statement, each attempt under way by `instanceId` (null:
   * by no instance a sweep knows, so its bound alone ends it); a mail held until now no longer is.
   */
  async startAttempts(tx: EntityManager, attempts: readonly { id: string; attempt: number }[], instanceId: string | null = null): Promise<void> {
    if (attempts.length === 0) return;
    await tx.query(
      `UPDATE "${S}".mail_messages m SET attempts = a.attempt, attempt_instance_id = $3, held = false FROM unnest($1::uuid[], $2::int[]) AS a(id, attempt) WHERE m.id = a.id`,
      [attempts.map((a) => a.id), attempts.map((a) => a.attempt), instanceId],
    );
  },

  async startAttempt(tx: EntityManager, id: string, attempt: number): Promise<void> {
    await tx.query(`UPDATE "${S}".mail_messages SET attempts = $2 WHERE id = $1`, [id, attempt]);
  },

  async markSent(tx: EntityManager, id: string, args: { at: Date; transport: string; response: string }): Promise<void> {
    await tx.query(`UPDATE "${S}".mail_messages SET status = 'sent', sent_at = $2, transport = $3, smtp_response = $4, last_error = NULL WHERE id = $1`, [
      id,
      args.at,
      args.transport,
      args.response.slice(0, 1_000),
    ]);
  },

  /**
   * A failed mail pending again (`resendFailedMail`): a fresh round of attempts (every attempt so far
   * no longer counts; `attempts` goes on, and numbers the next attempt's timer), no longer failed,
   * and who sent it again and when. Its last error stays, the record of why it had failed.
   */
  async rearmFailed(tx: EntityManager, id: string, args: { by: string; at: Date }): Promise<MailRow | undefined> {
    const rows = rowsOf<RawMail>(
      await tx.query(
        `UPDATE "${S}".mail_messages
            SET status = 'pending', failed_at = NULL, attempts_not_counted = attempts, attempt_instance_id = NULL, session_refused_at = NULL,
                resent_at = $2, resent_by = $3
          WHERE id = $1 AND status = 'failed'
          RETURNING *`,
        [id, args.at, args.by],
      ),
    );
    return rows[0] && toMail(rows[0]);
  },

  /** Whether a mail has this id (what the retry route acts on, for the app's precondition hook). */
  async exists(db: Pick<EntityManager, 'query'>, id: string): Promise<boolean> {
    const rows = (await db.query(`SELECT 1 FROM "${S}".mail_messages WHERE id = $1`, [id])) as unknown[];
    return rows.length > 0;
  },

  async markFailed(tx: EntityManager, id: string, args: { at: Date; reason: string }): Promise<void> {
    await tx.query(`UPDATE "${S}".mail_messages SET status = 'failed', failed_at = $2, last_error = $3 WHERE id = $1`, [id, args.at, args.reason.slice(0, 1_000)]);
  },

  /**
   * A transient failure of attempt `attempt`: its error kept, and, if it is still the latest, no
   * attempt under way and no longer waiting for the server to take our session.
   */
  async recordError(tx: EntityManager, id: string, reason: string, attempt: number): Promise<void> {
    await tx.query(
      `UPDATE "${S}".mail_messages SET last_error = $2, attempt_instance_id = CASE WHEN attempts = $3 THEN NULL ELSE attempt_instance_id END,
              session_refused_at = CASE WHEN attempts = $3 THEN NULL ELSE session_refused_at END
        WHERE id = $1`,
      [id, reason.slice(0, 1_000), attempt],
    );
  },

  /**
   * Attempt `attempt` refused for our session at `at` (docs/adr/0035, addendum of 2026-12-05,
   * seventh session): its answer kept, the attempt not counted towards the limit, one more refusal
   * (its retry's delay); if it is still the latest, no attempt under way, and the mail waits for the
   * server to take our session (`session_refused_at`). Returns the refusals so far.
   */
  async recordSessionRefusal(tx: EntityManager, id: string, args: { reason: string; attempt: number; at: Date }): Promise<number> {
    const rows = rowsOf<{ session_refusals: number }>(
      await tx.query(
        `UPDATE "${S}".mail_messages
            SET last_error = $2, attempts_not_counted = attempts_not_counted + 1, session_refusals = session_refusals + 1,
                attempt_instance_id = CASE WHEN attempts = $3 THEN NULL ELSE attempt_instance_id END,
                session_refused_at = CASE WHEN attempts = $3 THEN $4::timestamptz ELSE session_refused_at END
          WHERE id = $1
          RETURNING session_refusals`,
        [id, args.reason.slice(0, 1_000), args.attempt, args.at],
      ),
    );
    return rows[0]?.session_refusals ?? 0;
  },

  /**
   * Brings forward the next attempt of every pending mail that waits for the server to take our
   * session (`session_refused_at`, no attempt under way): its armed timer (`timerIdPrefix` + id +
   * `:` + attempts + 1, in `timerSchema`) due at `now`, one microsecond apart in the order the mails
   * were queued, so the timers fire oldest first. One statement; rows another transaction holds (a
   * firing, a record) are skipped, as the take-back skips them: they are being tried already.
   * Returns how many were brought forward.
   */
  async bringForwardWaitingForTheSession(db: Pick<EntityManager, 'query'>, args: { now: Date; timerSchema: string; timerIdPrefix: string }): Promise<number> {
    const timers = `"${args.timerSchema}".timers`;
    const rows = rowsOf<{ id: string }>(
      await db.query(
        `WITH waiting AS (
           SELECT m.id, m.attempts, m.created_at FROM "${S}".mail_messages m
            WHERE m.status = 'pending' AND m.session_refused_at IS NOT NULL AND m.attempt_instance_id IS NULL
              FOR UPDATE OF m SKIP LOCKED
         ), armed AS (
           SELECT t.id AS timer_id, waiting.id, waiting.created_at FROM ${timers} t JOIN waiting ON t.id = $2 || waiting.id::text || ':' || (waiting.attempts + 1)
            WHERE t.status = 'pending'
              FOR UPDATE OF t SKIP LOCKED
         ), queued_order AS (
           SELECT armed.*, $1::timestamptz - (count(*) OVER () - row_number() OVER (ORDER BY armed.created_at, armed.id)) * interval '1 microsecond' AS due_at FROM armed
         )
         ${bringTimersForwardSql(args.timerSchema, { from: 'queued_order', timerIdColumn: 'timer_id', now: 'queued_order.due_at', returning: 'queued_order.id' })}`,
        [args.now, args.timerIdPrefix],
      ),
    );
    return rows.length;
  },

  /**
   * Takes back attempts under way by instances that stopped beating (`deadAfterMs`, by the
   * database's clock) or whose row is gone: each one's next attempt's timer (`mailAttemptTimerId`:
   * `timerIdPrefix` + mail id + `:` + attempt, in `timerSchema`; armed when the attempt was counted) is re-targeted to `now`, so the mail goes
   * through the usual retry path at once, and the attempt is no longer under way by anyone. One
   * statement, at most `limit` mails. Every row is locked `SKIP LOCKED` and nothing waits: a mail
   * or timer another transaction holds (a firing, an outcome being recorded, another sweep) is left
   * for the next sweep, so two sweeps take a mail back once. Returns the mails taken back.
   */
  async takeBackAttemptsOfDeadInstances(
    db: Pick<EntityManager, 'query'>,
    args: { deadAfterMs: number; now: Date; timerSchema: string; timerIdPrefix: string; limit: number },
  ): Promise<{ id: string; kind: MailKind; attempt: number; instanceId: string }[]> {
    const timers = `"${args.timerSchema}".timers`;
    const rows = rowsOf<{ id: string; kind: MailKind; attempts: number; instance_id: string }>(
      await db.query(
        `WITH dead AS (
           SELECT m.id, m.attempts, m.attempt_instance_id FROM "${S}".mail_messages m
            WHERE m.status = 'pending' AND m.attempt_instance_id IS NOT NULL AND ${instanceDeadSql('m.attempt_instance_id', '$1')}
            LIMIT $4
              FOR UPDATE OF m SKIP LOCKED
         ), armed AS (
           SELECT t.id AS timer_id, dead.id, dead.attempt_instance_id FROM ${timers} t JOIN dead ON t.id = $3 || dead.id::text || ':' || (dead.attempts + 1)
            WHERE t.status = 'pending'
              FOR UPDATE OF t SKIP LOCKED
         ), retargeted AS (
           ${bringTimersForwardSql(args.timerSchema, { from: 'armed', timerIdColumn: 'timer_id', now: '$2', returning: 'armed.id, armed.attempt_instance_id' })}
         )
         UPDATE "${S}".mail_messages m SET attempt_instance_id = NULL
           FROM retargeted r WHERE m.id = r.id
         RETURNING m.id, m.kind, m.attempts, r.attempt_instance_id AS instance_id`,
        [args.deadAfterMs, args.now, args.timerIdPrefix, args.limit],
      ),
    );
    return rows.map((r) => ({ id: r.id, kind: r.kind, attempt: r.attempts, instanceId: r.instance_id }));
  },

  /**
   * P8: whether the thread message was mailed already (queued, whatever became of it). Read under the
   * ticket's contact lock (`contact`), so two events naming one message take turns and the second sees
   * the first's mail; the unique index on the column refuses a second one should anything else race.
   */
  async threadMessageMailed(tx: EntityManager, threadMessageId: string): Promise<boolean> {
    const rows = (await tx.query(`SELECT 1 FROM "${S}".mail_messages WHERE thread_message_id = $1`, [threadMessageId])) as unknown[];
    return rows.length > 0;
  },

  /**
   * The newest mails first (the local outbox a newcomer reads, and what support checks); `before`:
   * only those after that position in this order (keyset paging). A statement per filter, so each is
   * planned on its index: `mail_messages_created_id`, or `mail_messages_ticket_created_id`.
   */
  async latest(tx: EntityManager, args: { limit: number; ticketId?: string; before?: OutboxPosition }): Promise<MailRow[]> {
    const params: unknown[] = [args.limit];
    const where: string[] = [];
    if (args.ticketId !== undefined) {
      params.push(args.ticketId);
      where.push(`ticket_id = $${params.length}::uuid`);
    }
    if (args.before) {
      params.push(args.before.createdAt, args.before.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const rows = (await tx.query(
      `SELECT * FROM "${S}".mail_messages ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    )) as RawMail[];
    return rows.map(toMail);
  },

  /** P8: the ticket a Message-ID of ours names, if any of `messageIds` is one. */
  async ticketOfMessageIds(tx: EntityManager, messageIds: readonly string[]): Promise<{ ticketId: string; partnerId: string } | undefined> {
    if (messageIds.length === 0) return undefined;
    const rows = (await tx.query(
      `SELECT ticket_id, partner_id FROM "${S}".mail_messages
        WHERE message_id = ANY($1::text[]) AND ticket_id IS NOT NULL AND kind = ANY($2::text[]) ORDER BY created_at DESC LIMIT 1`,
      [messageIds, REQUESTER_MAIL_KINDS],
    )) as { ticket_id: string; partner_id: string }[];
    return rows[0] && { ticketId: rows[0].ticket_id, partnerId: rows[0].partner_id };
  },

  /** A mail of ours to staff that one of `messageIds` names, if any: a reply to it is staff talking among themselves, never a message for a ticket's thread. */
  async staffMailOfMessageIds(tx: EntityManager, messageIds: readonly string[]): Promise<{ messageId: string; kind: MailKind } | undefined> {
    if (messageIds.length === 0) return undefined;
    const rows = (await tx.query(`SELECT message_id, kind FROM "${S}".mail_messages WHERE message_id = ANY($1::text[]) AND kind = ANY($2::text[]) LIMIT 1`, [
      messageIds,
      STAFF_MAIL_KINDS,
    ])) as { message_id: string; kind: MailKind }[];
    return rows[0] && { messageId: rows[0].message_id, kind: rows[0].kind };
  },

  /** The ticket's requester address, as notification learned it (ticket.created), if any: read without a lock. */
  async requesterEmailOf(tx: EntityManager, ticketId: string): Promise<string | undefined> {
    const rows = (await tx.query(`SELECT email FROM "${S}".mail_contacts WHERE ticket_id = $1`, [ticketId])) as { email: string }[];
    return rows[0]?.email;
  },

  /** The ticket's mail contact, its row locked until `tx` ends (events of one ticket and its timers take turns). */
  async contact(tx: EntityManager, ticketId: string): Promise<MailContact | undefined> {
    const rows = (await tx.query(`SELECT * FROM "${S}".mail_contacts WHERE ticket_id = $1 FOR UPDATE`, [ticketId])) as {
      ticket_id: string;
      partner_id: string;
      reference: string;
      email: string;
      requester_name: string | null;
      language: string;
      subject: string;
      thread_root_id: string | null;
      site_requester: string;
      rate_url: string | null;
      resolved_at: Date | null;
      reopen_window_ends_at: Date | null;
      credentials_held: boolean;
      resolved_mail_id: string | null;
      resolution_ticket_sequence: number | null;
      rate_url_ticket_sequence: number | null;
    }[];
    const r = rows[0];
    return (
      r && {
        ticketId: r.ticket_id,
        partnerId: r.partner_id,
        reference: r.reference,
        email: r.email,
        requesterName: r.requester_name,
        language: r.language,
        subject: r.subject,
        threadRootId: r.thread_root_id,
        siteRequester: r.site_requester,
        rateUrl: r.rate_url,
        resolvedAt: r.resolved_at,
        reopenWindowEndsAt: r.reopen_window_ends_at,
        credentialsHeld: r.credentials_held,
        resolvedMailId: r.resolved_mail_id,
        resolutionSequence: r.resolution_ticket_sequence,
        linkSequence: r.rate_url_ticket_sequence,
      }
    );
  },

  /**
   * The resolved mail's fields, and (P11) the sequences of the resolution read and of the one its
   * link belongs to when given: a sequence left out is left as it is. One statement.
   */
  async saveResolution(tx: EntityManager, ticketId: string, resolution: MailResolutionRow & Partial<MailRatingLinkSequences>): Promise<void> {
    await tx.query(
      `UPDATE "${S}".mail_contacts
          SET rate_url = $2, resolved_at = $3, reopen_window_ends_at = $4, credentials_held = $5, resolved_mail_id = $6,
              resolution_ticket_sequence = CASE WHEN $7 THEN $8::integer ELSE resolution_ticket_sequence END,
              rate_url_ticket_sequence = CASE WHEN $9 THEN $10::integer ELSE rate_url_ticket_sequence END
        WHERE ticket_id = $1`,
      [
        ticketId,
        resolution.rateUrl,
        resolution.resolvedAt,
        resolution.reopenWindowEndsAt,
        resolution.credentialsHeld,
        resolution.resolvedMailId,
        resolution.resolutionSequence !== undefined,
        resolution.resolutionSequence ?? null,
        resolution.linkSequence !== undefined,
        resolution.linkSequence ?? null,
      ],
    );
  },
};

