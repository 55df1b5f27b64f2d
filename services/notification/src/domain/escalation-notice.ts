import type { EscalationKind } from '@tss/contracts';
import { cutText } from '@tss/contracts';
import { withoutLinkSecrets } from '@tss/service-kit';
import { renderBlocks, type MailBlock, type RenderedMail } from './mail-template';

/** What an escalation notice says (P7): staff read it in English (staff have no language of their own yet, docs/adr/0042). */
export interface EscalationNotice {
  escalationId: string;
  kind: EscalationKind;
  /** 1 the team leader, 2 the head of support. */
  level?: number;
  /** 0 for `escalation.raised`, n for the n-th `escalation.renotified`. */
  attempt: number;
  /** The ticket's reference, when notification saw its `ticket.created`. */
  reference?: string;
  ticketId: string;
  targetRole: string;
  summary?: string;
  quote?: string;
  /** Where staff open the ticket and the escalation (the API behind the gateway); a referral's: the referral (`noticeLinkPath`). */
  ticketUrl: string;
  escalationUrl: string;
}

/** Kinds escalation publishes for an applied referral: no escalation record, the referral is the thing to open (docs/adr/0039). */
const REFERRAL_KINDS: readonly EscalationKind[] = ['quality', 'development', 'design'];

export const isReferralNotice = (kind: EscalationKind): boolean => REFERRAL_KINDS.includes(kind);

/** The path of what a notice asks staff to open: the escalation, or for a referral (whose id it carries) the referral. */
export const noticeLinkPath = (kind: EscalationKind, ticketId: string, escalationId: string): string =>
  isReferralNotice(kind) ? `/v1/tickets/${encodeURIComponent(ticketId)}/referrals/${escalationId}` : `/v1/escalations/${escalationId}`;

const KIND_WORDS: Record<EscalationKind, string> = {
  team_leader: 'The requester asked for the team leader',
  sla_warning: 'The response deadline is near',
  sla_breach: 'The response deadline was missed',
  sla_overdue: 'Still no response, long after the deadline',
  emergency: 'An emergency request',
  phone_callback: 'A phone call-back is wanted',
  low_rating: 'The requester rated the support low',
  quality: 'The quality department is involved',
  development: 'Referred to the development department',
  design: 'A feature request for the design department',
};

const LEVEL_WORDS: Record<number, string> = { 1: 'level 1 (team leader)', 2: 'level 2 (head of support)' };

/** The subject names the ticket's reference like every mail of ours, the cause, and which reminder it is. */
export const escalationNoticeMail = (n: EscalationNotice): RenderedMail => {
  const ticket = n.reference ?? n.ticketId;
  const reminder = n.attempt > 0 ? `Reminder ${n.attempt}: ` : '';
  const blocks: MailBlock[] = [
    { paragraph: `${KIND_WORDS[n.kind]} on ticket ${ticket}.` },
    {
      list: [
        `Cause: ${n.kind}`,
        ...(n.level ? [`Escalation: ${LEVEL_WORDS[n.level] ?? `level ${n.level}`}`] : []),
        `Called in: ${n.targetRole}`,
        `Ticket: ${ticket}`,
        ...(n.attempt > 0 ? [`Nobody has taken it up yet; this is reminder ${n.attempt}.`] : []),
      ],
    },
    ...(n.summary ? [{ written: n.summary }] : []),
    // Staff read it: the requester's rating and site links in what they wrote are withheld (docs/adr/0040).
    ...(n.quote ? [{ paragraph: 'What was written:' }, { written: withoutLinkSecrets(n.quote).split('\n').map((line) => `> ${line}`).join('\n') }] : []),
    { link: { text: 'The ticket', href: n.ticketUrl } },
    { link: isReferralNotice(n.kind) ? { text: 'The referral', href: n.escalationUrl } : { text: 'The escalation (acknowledge it there)', href: n.escalationUrl } },
    { paragraph: 'TSS' },
  ];
  return renderBlocks(cutText(`[${ticket}] ${reminder}Escalation: ${KIND_WORDS[n.kind]}`, 250), blocks, 'en'); // staff read English (docs/adr/0042)
};

/** A staff member as the directory knows them. */
export interface StaffContact {
  staffId: string;
  email: string | null;
  displayName: string | null;
  active: boolean;
}

export interface NoticeRecipients {
  /** The addresses to mail (each once). */
  addresses: string[];
  /** Targeted staff who cannot be mailed: unknown, inactive, or without an address. */
  unreachable: string[];
  /** True when the fallback address stands in for them. */
  fallbackUsed: boolean;
}

/**
 * P7: the notice goes to each targeted staff member with an address. When nobody targeted can be
 * mailed (none named, or none with an address), the fallback address gets it, so an escalation is
 * never mailed to no one while a fallback exists (docs/adr/0042).
 */
export const noticeRecipients = (targetStaffIds: readonly string[] | undefined, directory: readonly StaffContact[], fallback: string | undefined): NoticeRecipients => {
  const targets = [...new Set(targetStaffIds ?? [])];
  const byId = new Map(directory.map((s) => [s.staffId, s]));
  const addresses: string[] = [];
  const unreachable: string[] = [];
  for (const id of targets) {
    const member = byId.get(id);
    if (member?.active && member.email) {
      if (!addresses.includes(member.email.toLowerCase())) addresses.push(member.email.toLowerCase());
    } else unreachable.push(id);
  }
  if (addresses.length === 0 && fallback) return { addresses: [fallback], unreachable, fallbackUsed: true };
  return { addresses, unreachable, fallbackUsed: false };
};
