import type { MigrationInterface, QueryRunner } from 'typeorm';
import { fileNameWithoutAccessParticulars } from '@tss/service-kit';
import { escapeHtml, unescapeHtml } from '../../domain/mail-template';

const BATCH = 500;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/** `value` with every string under a `key` key masked as a file name; the very same value when nothing changed. */
const withNamesMasked = (value: unknown, key: 'filename' | 'fileName'): unknown => {
  if (Array.isArray(value)) {
    const items = value.map((item) => withNamesMasked(item, key));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([name, item]) => [name, name === key && typeof item === 'string' ? fileNameWithoutAccessParticulars(item) : withNamesMasked(item, key)] as const);
  return entries.some(([name, item]) => item !== (value as Record<string, unknown>)[name]) ? Object.fromEntries(entries) : value;
};

/**
 * Why a file was refused, as the refusal mail words it (`attachmentRefusalText`, libs/contracts),
 * in both languages; written out here as the releases that kept the names wrote them (1dd591d to
 * 9a736cc), so a later rewording leaves this migration reading what they wrote.
 */
const REFUSAL_REASONS = [
  'a BMP image is accepted only inside a ZIP or RAR archive',
  'изображение BMP принимается только внутри архива ZIP или RAR',
  'only JPG, GIF and PNG images are accepted (BMP inside a ZIP or RAR archive); the type is judged by the content, not the name',
  'принимаются только изображения JPG, GIF и PNG (BMP — внутри архива ZIP или RAR); тип определяется по содержимому, а не по имени',
  'the file or archive is empty',
  'файл или архив пуст',
  'the archive holds too many files',
  'в архиве слишком много файлов',
  'the archive is too large once unpacked',
  'архив слишком велик в распакованном виде',
  'the archive expands too much when unpacked',
  'архив слишком сильно увеличивается при распаковке',
  'the archive is encrypted (password-protected), so its content cannot be checked',
  'архив зашифрован (защищён паролем), поэтому его содержимое нельзя проверить',
  'the archive cannot be read (a multi-volume archive or an unusual compression method)',
  'архив не удаётся прочитать (многотомный архив или необычный способ сжатия)',
  'the archive holds a file that is not a JPG, GIF, PNG or BMP image',
  'в архиве есть файл, который не является изображением JPG, GIF, PNG или BMP',
  'the file could not be read from the mail; please send it again',
  'файл не удалось прочитать из письма; пришлите его, пожалуйста, ещё раз',
]
  .map((reason) => reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  .concat(['a mail brings at most \\d+ files', 'одно письмо может принести не больше \\d+ файлов'])
  .join('|');

// The refusal mail's list (attachmentsRefusedMail, domain/mail-templates.ts) has one item per file,
// `<name>: <reason>`: a line `- …` of the plain body, an `<li>` of the HTML one (escaped, so `<` is
// no name's). A name is at most 500 characters (the event's contract), six times that escaped.
const REFUSAL_LINE = new RegExp(`^(- )([^\\n]{1,500})(: (?:${REFUSAL_REASONS}))$`, 'gmu');
const REFUSAL_ITEM = new RegExp(`(<li>)([^<\\n]{1,3000})(: (?:${REFUSAL_REASONS})</li>)`, 'gu');

/** A refusal mail's plain body with each refused file's name masked, the rest as written. */
const textWithRefusedNamesMasked = (text: string): string => text.replace(REFUSAL_LINE, (_line, open: string, name: string, close: string) => `${open}${fileNameWithoutAccessParticulars(name)}${close}`);

/** A refusal mail's HTML body likewise, each name read back as text and written again escaped, as `renderBlocks` would. */
const htmlWithRefusedNamesMasked = (html: string): string =>
  html.replace(REFUSAL_ITEM, (item, open: string, escaped: string, close: string) => {
    const name = unescapeHtml(escaped);
    const masked = fileNameWithoutAccessParticulars(name);
    return masked === name ? item : `${open}${escapeHtml(masked)}${close}`;
  });

/** A kept webhook body (a CloudEvent as JSON) with its `data`'s file names masked; the same text when nothing changes. */
const bodyWithFileNamesMasked = (body: string): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body; // no body is written so; nothing to find a name in
  }
  const masked = withNamesMasked(parsed, 'fileName');
  return masked === parsed ? body : JSON.stringify(masked);
};

/**
 * P9 (docs/adr/0070 and 0026, addenda of 2026-12-05): before 9a736cc and df202f3 notification
 * kept a mailed file's name as sent, so `password FilePw#1122.png` stayed in clear in each copy
 * notification keeps of it:
 * - the inbound mail's record (`inbound_messages.attachments[].filename`);
 * - the `notification.email_received` events in its outbox (`attachmentPointers[].filename`). A
 *   published one is masked; one still to publish gets the shape `forwardToIntake` writes now: the
 *   names masked, the names as sent in `inTransit.attachmentPointers` (beside its subject and text,
 *   as sent or as kept), so intake still vaults them and the relay drops them once published. The
 *   choice is made in the row's `UPDATE`, on the row as it is then: a relay of the older release
 *   that publishes it meanwhile gets the published form;
 * - the mail telling the requester which files were refused (`mail_messages` of kind
 *   `attachments_refused`, both bodies, EN and RU): each list item's name;
 * - the `ticket.attachments_refused` events kept for webhook replay and their deliveries
 *   (`data.files[].fileName`): a delivery is signed when sent, over what it sends.
 * Each particular is replaced by `[access particulars removed]`, the extension kept (removed, not
 * vaulted: a migration has no master key; 0026, addendum of 2026-12-04, fourth session). Keyset
 * pages of 500 rows (only refusal mails and events are read of those tables, and they are short),
 * only changed rows written; masked names hold nothing the detection finds, so a second run
 * changes nothing. The in-process event log is libs/messaging's, not notification's: not here.
 */
export class MaskKeptMailFileNames1765603900000 implements MigrationInterface {
  name = 'MaskKeptMailFileNames1765603900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, attachments FROM notification.inbound_messages WHERE id > $1::uuid AND attachments <> '[]'::jsonb ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; attachments: unknown }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const attachments = withNamesMasked(row.attachments, 'filename');
        if (attachments !== row.attachments) await queryRunner.query(`UPDATE notification.inbound_messages SET attachments = $2::jsonb WHERE id = $1::uuid`, [row.id, JSON.stringify(attachments)]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT position::text AS position, event->'data'->'attachmentPointers' AS pointers FROM notification.outbox
          WHERE position > $1 AND event_type = 'notification.email_received' ORDER BY position LIMIT ${BATCH}`,
        [after],
      )) as { position: string; pointers: unknown }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const pointers = withNamesMasked(row.pointers, 'filename');
        if (pointers === row.pointers) continue;
        await queryRunner.query(
          `UPDATE notification.outbox
              SET event = CASE
                    WHEN published_at IS NULL THEN jsonb_set(
                      jsonb_set(event, '{data,inTransit}',
                        COALESCE(event->'data'->'inTransit', jsonb_build_object('subject', event->'data'->'subject', 'text', event->'data'->'text'))
                          || jsonb_build_object('attachmentPointers', event->'data'->'attachmentPointers')),
                      '{data,attachmentPointers}', $2::jsonb)
                    ELSE jsonb_set(event, '{data,attachmentPointers}', $2::jsonb) #- '{data,inTransit}'
                  END
            WHERE position = $1::bigint`,
          [row.position, JSON.stringify(pointers)],
        );
      }
      after = Number(rows[rows.length - 1].position);
    }
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, text_body, html_body FROM notification.mail_messages WHERE id > $1::uuid AND kind = 'attachments_refused' ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; text_body: string; html_body: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const text = textWithRefusedNamesMasked(row.text_body);
        const html = htmlWithRefusedNamesMasked(row.html_body);
        if (text !== row.text_body || html !== row.html_body) await queryRunner.query(`UPDATE notification.mail_messages SET text_body = $2, html_body = $3 WHERE id = $1::uuid`, [row.id, text, html]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = ''; ; ) {
      const rows = (await queryRunner.query(`SELECT id, body FROM notification.webhook_events WHERE id > $1 AND type = 'ticket.attachments_refused' ORDER BY id LIMIT ${BATCH}`, [after])) as {
        id: string;
        body: string;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const body = bodyWithFileNamesMasked(row.body);
        if (body !== row.body) await queryRunner.query(`UPDATE notification.webhook_events SET body = $2 WHERE id = $1`, [row.id, body]);
      }
      after = rows[rows.length - 1].id;
    }
    // Whatever their status: a pending one is sent masked, a failed one retried masked, a sent one kept masked.
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, body FROM notification.webhook_deliveries WHERE id > $1::uuid AND event_type = 'ticket.attachments_refused' ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; body: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const body = bodyWithFileNamesMasked(row.body);
        if (body !== row.body) await queryRunner.query(`UPDATE notification.webhook_deliveries SET body = $2 WHERE id = $1::uuid`, [row.id, body]);
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
