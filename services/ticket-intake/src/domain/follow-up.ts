import { cutText } from '@tss/contracts';
import type { Language } from '@tss/contracts';
import type { Ticket } from './ticket';
import type { TicketRequest } from './ticket-request';

/**
 * P11: the follow-up of a ticket that still stands for its problem, the newest if several do.
 * "Not solved" on a closed ticket (a reopen request, a rating) files a follow-up only when it has
 * none such: a repeat, or requests at once, would otherwise each file one, each acknowledged with
 * a clock of its own. A resolved or closed follow-up no longer stands for it: the problem came
 * back after support's answer, and a new "not solved" files a new follow-up (docs/adr/0029,
 * addendum of 2026-12-04, third session).
 */
export const openFollowUp = <T extends Pick<Ticket, 'status'>>(followUps: readonly T[]): T | undefined =>
  followUps.findLast((t) => t.status !== 'resolved' && t.status !== 'closed');

// What replies and our own mail put before a request's words: "Re:", "AW:", "Отв:" …, our
// "[TSS-XXXXX-XXXXC] Closed:" (a reference in brackets and the mail's lead), and the
// "Follow-up to TSS-XXXXX-XXXXC:" the reopen route wrote before 2026-12-05 (sixth session). Each is anchored and bounded, so stripping them is linear (docs/adr/0061).
const LEADING_NOISE = [
  /^(?:re|fwd?|aw|wg|sv|vs|antw|отв|пересл)(?:\[\d{1,3}\])?\s{0,3}:\s*/i,
  /^\[TSS-[0-9A-Z]{5}-[0-9A-Z]{5}\]\s*(?:[^:\[\]]{1,60}:\s*)?/i,
  /^follow-up to TSS-[0-9A-Z]{5}-[0-9A-Z]{5}:\s*/i,
];
const SUBJECT_MAX_LENGTH = 200;

/**
 * P2/P11: what a follow-up keeps of the request it follows up: product, version, level suggestion
 * and environment, everything but the words (subject, description) and who asks. A follow-up is
 * filed "with the old ticket's request" whichever way "not solved" arrives (docs/adr/0029); a mail's
 * follow-up lost them, and its acknowledgment asked for product and version again.
 */
export const followedUpDetails = ({ subject: _subject, description: _description, requester: _requester, ...details }: TicketRequest): Omit<TicketRequest, 'subject' | 'description' | 'requester'> =>
  details;

/**
 * P11: the subject of a follow-up filed by mail: the request it follows up, in its own words. The
 * reply's subject is ours ("Re: [TSS-…] Closed: outside technical support"), not the requester's;
 * the follow-up's acknowledgment names the earlier reference in its text (docs/adr/0035, addendum
 * of 2026-12-04, sixth session).
 */
export const followUpSubject = (original: Pick<TicketRequest, 'subject' | 'description'>): string => {
  let subject = (original.subject ?? '').trim();
  for (let stripped = true; stripped; ) {
    stripped = false;
    for (const noise of LEADING_NOISE) {
      const match = noise.exec(subject);
      if (match && match[0].length > 0) {
        subject = subject.slice(match[0].length).trimStart();
        stripped = true;
      }
    }
  }
  return cutText(subject || cutText(original.description.trim(), 120), SUBJECT_MAX_LENGTH);
};

/**
 * P11: the request a "not solved" files (the reopen route, a "not solved" rating) on a closed ticket:
 * the earlier request's, going by its subject in its own words as a mail's follow-up does
 * (`followUpSubject`), described by the requester's reason as they wrote it, or without one by the
 * earlier description. No words of ours: the link is the follow-up's `linkedTicketId`, and the
 * acknowledgment names the earlier reference in the requester's language (docs/adr/0029, addendum
 * of 2026-12-05, sixth session).
 */
export const followUpRequest = (earlier: TicketRequest, reason: string | undefined): TicketRequest => ({
  ...earlier,
  subject: followUpSubject(earlier),
  description: reason ?? earlier.description,
});

/**
 * P11: the requester's "not solved" rating of a closed ticket, as their message on its open
 * follow-up: their comment as they wrote it (`words`), then which rating it was, in the follow-up's
 * language (`ourLine`: the requester reads it on their page; "Rated not solved:" was ours, in English,
 * before it). Only the words describe the follow-up when it has no description: the line is ours
 * (docs/api.md "A follow-up holds the requester's words only"; docs/adr/0029, addendum of
 * 2026-12-05, sixth session). The thread shows both (`withOurLine`).
 */
export const ratedNotSolvedMessage = (language: Language, ratedReference: string, comment: string | undefined): { words: string; ourLine: string } => ({
  words: comment?.trim() ?? '',
  ourLine: language === 'ru' ? `Моя оценка обращения ${ratedReference}: проблема не решена.` : `My rating of ${ratedReference}: not solved.`,
});
