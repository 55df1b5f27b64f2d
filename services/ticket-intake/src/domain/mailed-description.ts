/**
 * P2: what a mail that files a ticket (a new request, or a follow-up of a closed ticket) gives its
 * request. Its text, whole, is the description (docs/adr/0035, addendum of 2026-12-05, first
 * session: new mails are filed whole), unless notification found no words of its own in it
 * (`ownText: false`: a signature, a quote header and quoted lines, white space). Such a mail
 * describes nothing: the description is empty, listed missing and asked for by the acknowledgment,
 * as for a mail with no text, and the requester's next words describe it. What it held is kept on
 * the thread, in their name (`keptOnThread`), so nothing that came is lost (docs/adr/0035, addendum
 * of 2026-12-05, sixth session). Without `ownText` (an older notification) the text describes, as before.
 */
export const mailedDescription = (mail: { text: string; ownText?: boolean }): { description: string; keptOnThread?: string } => {
  if (mail.ownText !== false) return { description: mail.text };
  return mail.text.trim() === '' ? { description: '' } : { description: '', keptOnThread: mail.text };
};
