import type { Language } from './support-catalogue';

/**
 * P9: the mark intake stores where it took access particulars out of a requester's text (a
 * subject, a description, a message, a file's name): `[credentials stored securely: TSS vault
 * #<first 8 hex digits of the credential id>]`. One mark, stored in one wording whatever the
 * ticket's language, and kept as stored in the API (docs/api.md); what a person reads (the support
 * site's pages, the requester's mail, subjects included) shows it in the reader's language, and the
 * same words after the particulars are destroyed: the mark names where they were taken to, the
 * thread's notes say when they go (docs/adr/0026, addendum of 2026-12-05, sixth session).
 */
export const vaultMark = (credentialId: string): string => `[credentials stored securely: TSS vault #${credentialId.slice(0, 8)}]`;

const VAULT_MARK = /\[credentials stored securely: TSS vault #([0-9a-f]{8})\]/g;

const VAULT_MARK_WORDS: Readonly<Record<Language, (id: string) => string>> = {
  en: (id) => `[access particulars moved to our secure vault: TSS #${id}]`,
  ru: (id) => `[данные для доступа перенесены в защищённое хранилище: TSS #${id}]`,
};

/** A stored text with each vault mark in the reader's words: what the site's pages and the requester's mail show. */
export const vaultMarksIn = (text: string, language: Language): string => text.replace(VAULT_MARK, (_mark, id: string) => VAULT_MARK_WORDS[language](id));
