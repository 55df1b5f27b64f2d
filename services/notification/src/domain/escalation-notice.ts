import type { EscalationKind, EscalationSummaryFacts, Language } from '@tss/contracts';
import { cutText, escalationSummaryText } from '@tss/contracts';
import { withoutLinkSecrets } from '@tss/service-kit';
import { renderBlocks, type MailBlock, type RenderedMail } from './mail-template';

/** What an escalation notice says (P7), whatever language each recipient reads it in. */
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
  /** What set it off, as escalation wrote it (English), and the same as facts (a newer escalation's), worded for each reader. */
  summary?: string;
  summaryFacts?: EscalationSummaryFacts;
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

type Words = Readonly<Record<Language, string>>;

/** The cause, as the English subject and the Russian one (after «Эскалация:», so lower-case) name it. */
const KIND_TITLES: Record<EscalationKind, Words> = {
  team_leader: { en: 'The requester asked for the team leader', ru: 'автор обращения просит руководителя группы поддержки' },
  sla_warning: { en: 'The response deadline is near', ru: 'срок ответа скоро истечёт' },
  sla_breach: { en: 'The response deadline was missed', ru: 'срок ответа пропущен' },
  sla_overdue: { en: 'Still no response, long after the deadline', ru: 'ответа всё ещё нет, срок давно истёк' },
  emergency: { en: 'An emergency request', ru: 'экстренное обращение' },
  phone_callback: { en: 'A phone call-back is wanted', ru: 'просят перезвонить' },
  low_rating: { en: 'The requester rated the support low', ru: 'низкая оценка поддержки' },
  quality: { en: 'The quality department is involved', ru: 'подключён отдел качества' },
  development: { en: 'Referred to the development department', ru: 'передано в отдел разработки' },
  design: { en: 'A feature request for the design department', ru: 'предложение по доработке для отдела проектирования' },
};

/** The notice's first sentence: Russian puts the ticket inside it, where the words fall naturally. */
const KIND_SENTENCES: Record<EscalationKind, (ticket: string) => Words> = {
  team_leader: (t) => ({ en: `${KIND_TITLES.team_leader.en} on ticket ${t}.`, ru: `Автор обращения ${t} просит подключить руководителя группы поддержки.` }),
  sla_warning: (t) => ({ en: `${KIND_TITLES.sla_warning.en} on ticket ${t}.`, ru: `Срок ответа по обращению ${t} скоро истечёт.` }),
  sla_breach: (t) => ({ en: `${KIND_TITLES.sla_breach.en} on ticket ${t}.`, ru: `Срок ответа по обращению ${t} пропущен.` }),
  sla_overdue: (t) => ({ en: `${KIND_TITLES.sla_overdue.en} on ticket ${t}.`, ru: `По обращению ${t} всё ещё нет ответа, хотя срок давно истёк.` }),
  emergency: (t) => ({ en: `${KIND_TITLES.emergency.en} on ticket ${t}.`, ru: `Обращение ${t} — экстренное.` }),
  phone_callback: (t) => ({ en: `${KIND_TITLES.phone_callback.en} on ticket ${t}.`, ru: `По обращению ${t} просят перезвонить.` }),
  low_rating: (t) => ({ en: `${KIND_TITLES.low_rating.en} on ticket ${t}.`, ru: `Автор обращения ${t} низко оценил работу поддержки.` }),
  quality: (t) => ({ en: `${KIND_TITLES.quality.en} on ticket ${t}.`, ru: `К обращению ${t} подключён отдел качества.` }),
  development: (t) => ({ en: `${KIND_TITLES.development.en} on ticket ${t}.`, ru: `Обращение ${t} передано в отдел разработки.` }),
  design: (t) => ({ en: `${KIND_TITLES.design.en} on ticket ${t}.`, ru: `Обращение ${t} передано в отдел проектирования как предложение по доработке.` }),
};

const LEVEL_WORDS: Record<Language, Record<number, string>> = {
  en: { 1: 'level 1 (team leader)', 2: 'level 2 (head of support)' },
  ru: { 1: 'уровень 1 (руководитель группы поддержки)', 2: 'уровень 2 (руководитель службы поддержки)' },
};

/**
 * Who is called in, in Russian words with the code staff filter by (English shows the code alone,
 * as it always did): the roster's roles, and the staff roles a referral calls in (docs/adr/0039).
 */
const ROLE_WORDS_RU: Readonly<Record<string, string>> = {
  team_leader: 'руководитель группы поддержки',
  team_lead: 'руководитель группы поддержки',
  head_of_support: 'руководитель службы поддержки',
  agent: 'дежурный специалист поддержки',
  developer: 'отдел разработки',
  quality: 'отдел качества',
};

const calledIn = (role: string, language: Language): string =>
  language === 'ru' && ROLE_WORDS_RU[role] ? `${ROLE_WORDS_RU[role]} (${role})` : role;

const LABELS: Record<Language, Record<'cause' | 'escalation' | 'calledIn' | 'ticket' | 'written' | 'ticketLink' | 'referralLink' | 'escalationLink' | 'escalationSubject', string>> = {
  en: {
    cause: 'Cause',
    escalation: 'Escalation',
    calledIn: 'Called in',
    ticket: 'Ticket',
    written: 'What was written:',
    ticketLink: 'The ticket',
    referralLink: 'The referral',
    escalationLink: 'The escalation (acknowledge it there)',
    escalationSubject: 'Escalation',
  },
  ru: {
    cause: 'Код причины',
    escalation: 'Эскалация',
    calledIn: 'Кто привлечён',
    ticket: 'Обращение',
    written: 'Что было написано:',
    ticketLink: 'Обращение',
    referralLink: 'Передача в отдел',
    escalationLink: 'Эскалация (примите её в работу там)',
    escalationSubject: 'Эскалация',
  },
};

const reminderLead = (attempt: number, language: Language): string =>
  attempt === 0 ? '' : language === 'ru' ? `Напоминание ${attempt}: ` : `Reminder ${attempt}: `;

const reminderLine = (attempt: number, language: Language): string =>
  language === 'ru' ? `Эскалацию ещё никто не принял в работу; это напоминание ${attempt}.` : `Nobody has taken it up yet; this is reminder ${attempt}.`;

/**
 * What set the escalation off, in the reader's language: the facts worded (a referral's reason as
 * staff wrote it); an older escalation's event (no facts), or a cause this release has no words for,
 * shows the summary as written (docs/adr/0042, addendum of 2026-12-05, fifth session).
 */
const causeLine = (n: EscalationNotice, language: Language): string | undefined =>
  (n.summaryFacts ? escalationSummaryText(n.summaryFacts, language) : undefined) ?? n.summary;

/**
 * The notice in the recipient's language (the gateway's `staff.*` says which; docs/adr/0042,
 * addendum of 2026-12-05, fourth session). The subject names the ticket's reference like every
 * mail of ours, the cause, and which reminder it is. What set it off is in the reader's language
 * too (fifth session); what people wrote (a referral's reason, the requester's quote) as written.
 */
export const escalationNoticeMail = (n: EscalationNotice, language: Language): RenderedMail => {
  const ticket = n.reference ?? n.ticketId;
  const words = LABELS[language];
  const cause = causeLine(n, language);
  const blocks: MailBlock[] = [
    { paragraph: KIND_SENTENCES[n.kind](ticket)[language] },
    {
      list: [
        `${words.cause}: ${n.kind}`,
        ...(n.level ? [`${words.escalation}: ${LEVEL_WORDS[language][n.level] ?? (language === 'ru' ? `уровень ${n.level}` : `level ${n.level}`)}`] : []),
        `${words.calledIn}: ${calledIn(n.targetRole, language)}`,
        `${words.ticket}: ${ticket}`,
        ...(n.attempt > 0 ? [reminderLine(n.attempt, language)] : []),
      ],
    },
    ...(cause ? [{ written: cause }] : []),
    // Staff read it: the requester's rating and site links in what they wrote are withheld (docs/adr/0040).
    ...(n.quote ? [{ paragraph: words.written }, { written: withoutLinkSecrets(n.quote).split('\n').map((line) => `> ${line}`).join('\n') }] : []),
    { link: { text: words.ticketLink, href: n.ticketUrl } },
    { link: { text: isReferralNotice(n.kind) ? words.referralLink : words.escalationLink, href: n.escalationUrl } },
    { paragraph: 'TSS' },
  ];
  return renderBlocks(cutText(`[${ticket}] ${reminderLead(n.attempt, language)}${words.escalationSubject}: ${KIND_TITLES[n.kind][language]}`, 250), blocks, language);
};

/** A staff member as the directory knows them. */
export interface StaffContact {
  staffId: string;
  email: string | null;
  displayName: string | null;
  /** The language of their mail, as the gateway last announced it (`en` when it never did). */
  language: Language;
  active: boolean;
}

/** One address to mail, in the language its reader chose. */
export interface NoticeRecipient {
  address: string;
  language: Language;
}

export interface NoticeRecipients {
  /** The addresses to mail (each once), each in its reader's language. */
  recipients: NoticeRecipient[];
  /** Targeted staff who cannot be mailed: unknown, inactive, or without an address. */
  unreachable: string[];
  /** True when the fallback address stands in for them. */
  fallbackUsed: boolean;
}

/** The fallback address is nobody's in the directory, and no setting names its language: English. */
const FALLBACK_LANGUAGE: Language = 'en';

/**
 * P7: the notice goes to each targeted staff member with an address, in their language. When
 * nobody targeted can be mailed (none named, or none with an address), the fallback address gets
 * it, so an escalation is never mailed to no one while a fallback exists (docs/adr/0042). Two
 * members sharing an address get one mail, in the language of the first one targeted.
 */
export const noticeRecipients = (targetStaffIds: readonly string[] | undefined, directory: readonly StaffContact[], fallback: string | undefined): NoticeRecipients => {
  const targets = [...new Set(targetStaffIds ?? [])];
  const byId = new Map(directory.map((s) => [s.staffId, s]));
  const recipients: NoticeRecipient[] = [];
  const unreachable: string[] = [];
  for (const id of targets) {
    const member = byId.get(id);
    if (member?.active && member.email) {
      const address = member.email.toLowerCase();
      if (!recipients.some((r) => r.address === address)) recipients.push({ address, language: member.language });
    } else unreachable.push(id);
  }
  if (recipients.length === 0 && fallback) return { recipients: [{ address: fallback, language: FALLBACK_LANGUAGE }], unreachable, fallbackUsed: true };
  return { recipients, unreachable, fallbackUsed: false };
};
