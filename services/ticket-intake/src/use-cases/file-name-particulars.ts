import { fileNameParts, findCredentials } from '@tss/service-kit';
import { boundedFileName } from '../domain/attachment-content';
import { bothDue, type DueWithResolution } from '../domain/due-with-resolution';

/**
 * One text through the message hooks before it is stored (`rewriteBeforeStore`, bound by the
 * caller to the ticket, the author and the transaction): the text to store, the notes for whoever
 * wrote it, and how many particulars went to the vault.
 */
export type TextRewrite = (text: string) => Promise<{ text: string; notes: string[]; vaulted: number; dueWithResolution?: DueWithResolution }>;

/** File names as they are to be stored, and what the vault took from them (notes, count, and on a resolved ticket their deadline). */
export interface RewrittenFileNames {
  names: string[];
  notes: string[];
  vaulted: number;
  dueWithResolution?: DueWithResolution;
}

/**
 * P9: a file's name is shown in lists, downloads, the history and the requester's mail, so it goes
 * through the same detection and vault as a message's text (docs/adr/0026, addendum of 2026-12-05,
 * first session): each particular in its stem is vaulted and masked
 * (`[credentials stored securely: TSS vault #…].png`), its extension kept. Names with nothing to
 * vault are not passed to the hooks at all (no vault work for an ordinary upload).
 */
export const rewriteFileNames = async (names: readonly string[], rewrite: TextRewrite): Promise<RewrittenFileNames> => {
  const rewritten: RewrittenFileNames = { names: [], notes: [], vaulted: 0 };
  for (const name of names) {
    const { stem, extension } = fileNameParts(name);
    if (findCredentials(stem).length === 0) {
      rewritten.names.push(name);
      continue;
    }
    const masked = await rewrite(stem);
    rewritten.names.push(boundedFileName(masked.text, extension));
    rewritten.notes.push(...masked.notes);
    rewritten.vaulted += masked.vaulted;
    rewritten.dueWithResolution = bothDue(rewritten.dueWithResolution, masked.dueWithResolution);
  }
  return rewritten;
};
