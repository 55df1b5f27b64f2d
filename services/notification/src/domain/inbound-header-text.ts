import { toStorableText } from '@tss/contracts';

// C0 controls and DEL have no place in a header value or a file name (RFC 5322 §2.2, §3.2.5; an
// RFC 2231 `%00` decodes to one): a NUL cannot be stored at all, and the others only hide or
// reorder what an agent reads. A tab is white space, so it becomes a space.
const CONTROLS = /[\u0000-\u0008\u000A-\u001F\u007F]/g;

/**
 * A header value or attachment name as it is kept: without C0 controls and DEL, without lone
 * surrogates (`toStorableText`: no UTF-8 form, PostgreSQL refuses them). What remains is the mail's
 * own text, so it threads and files as any other mail (docs/adr/0035-mail.md, addendum of 2026-12-04).
 */
export const storableHeaderText = (value: string): string => toStorableText(value).replace(/\t/g, ' ').replace(CONTROLS, '');

/** A Message-ID kept only when something is left of it once made storable (`<\0>` names no message). */
export const storableMessageId = (value: string | undefined): string | undefined => {
  const id = value === undefined ? undefined : storableHeaderText(value).trim();
  return id && /[^<>\s]/.test(id) ? id : undefined;
};
