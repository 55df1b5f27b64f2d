import { cutText, IN_TRANSIT_FIELD } from '@tss/contracts';
import { jsonWithoutAccessParticulars } from '@tss/service-kit';

/**
 * The events whose data carries what staff wrote in escalation, as releases before the fourth
 * session of 2026-12-05 published it (P9, docs/adr/0026, addenda of 2026-12-05, fourth and fifth
 * sessions): a referral's reason (`escalation.referral_requested`, and the department's notice
 * quoting it in `escalation.raised`'s `summary`), an outcome (`escalation.resolved`), and a
 * development or design referral's reason that releases before intake's 1765603050000 copied onto
 * the status change (`ticket.status_changed`'s `reason`). A roster's note was never published.
 */
export const STAFF_TEXT_EVENT_TYPES: readonly string[] = ['escalation.referral_requested', 'escalation.raised', 'escalation.resolved', 'ticket.status_changed'];

/**
 * The texts of those events that have a longest length, in UTF-16 units (their V1 contracts'
 * `maxLength`, written out here so a later contract leaves what the migrations do as it is).
 * Masking may lengthen a text (`pwd: Ab1!` becomes `[access particulars removed]`): it is cut
 * again, as its producer cuts it, so the event stays valid and a consumer still takes it.
 */
const LONGEST: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'escalation.raised': { summary: 500, quote: 2000 },
  'escalation.resolved': { outcome: 4000 },
  'ticket.status_changed': { question: 20_000 },
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An event's data as kept by an older release, with every access particular in its strings
 * replaced by `[access particulars removed]` (the detection new text goes through) when its type
 * is one of `STAFF_TEXT_EVENT_TYPES`; capped texts cut to their length. `inTransit` is left as it
 * is (none of these types carries one; it is the vault's, docs/adr/0070). The very same value when
 * nothing changes, so a migration writes back only what does.
 */
export const staffTextsWithoutAccessParticulars = (type: string, data: unknown): unknown => {
  if (!STAFF_TEXT_EVENT_TYPES.includes(type) || !isRecord(data)) return data;
  const { [IN_TRANSIT_FIELD]: inTransit, ...kept } = data;
  const masked = jsonWithoutAccessParticulars(kept);
  if (masked === kept) return data;
  const cut = Object.fromEntries(
    Object.entries(masked as Record<string, unknown>).map(([key, value]) => {
      const longest = LONGEST[type]?.[key];
      return [key, longest !== undefined && typeof value === 'string' ? cutText(value, longest) : value];
    }),
  );
  return IN_TRANSIT_FIELD in data ? { ...cut, [IN_TRANSIT_FIELD]: inTransit } : cut;
};

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A kept message value (an event's data as UTF-8 JSON bytes, the Kafka binding's: the in-process
 * log's entries, dead letters) with its staff texts masked as `staffTextsWithoutAccessParticulars`
 * masks them, re-encoded; undefined when nothing changes, or when the bytes are no UTF-8 JSON (no
 * event's data: a malformed message a consumer dead-lettered is left as it came).
 */
export const staffTextValueWithoutAccessParticulars = (type: string, value: Buffer): Buffer | undefined => {
  let data: unknown;
  try {
    data = JSON.parse(UTF8.decode(value)) as unknown;
  } catch {
    return undefined;
  }
  const masked = staffTextsWithoutAccessParticulars(type, data);
  return masked === data ? undefined : Buffer.from(JSON.stringify(masked), 'utf8');
};
