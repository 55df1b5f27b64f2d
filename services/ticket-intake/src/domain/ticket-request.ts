import { RequestDetailNames, type Channel, type Product, type RequestDetailName, type ServiceLevel } from '@tss/contracts';

/**
 * What a request names (P2). Product, version and description are required by the API schema; a
 * request by e-mail or phone may lack them, and they are then listed as missing. A mail with no
 * text is filed with an empty description (`''`): nobody's words, never a placeholder that reads
 * as theirs (docs/adr/0035, addendum of 2026-12-05, fifth session).
 */
export interface TicketRequest {
  product?: Product;
  productVersion?: string;
  subject?: string;
  description: string;
  stepsToReproduce?: string;
  browser?: string;
  operatingSystem?: string;
  operatingSystemVersion?: string;
  connectivity?: string;
  antivirus?: string;
  /** The partner's suggestion (P5): the clock runs on it until an agent confirms or reclassifies. */
  level?: ServiceLevel;
  requester?: { email?: string; name?: string; id?: string };
}

/**
 * P2: the details the rules ask for, in the rules' order; a request missing them is accepted but
 * told what is missing. The description among them: a mail may bring none (the API refuses that
 * with a 400), and the rules want "a clear, coherent description of the issues" before any other.
 */
export const RECOMMENDED_DETAILS = ['product', 'productVersion', 'description', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion'] as const;
export type RecommendedDetail = (typeof RECOMMENDED_DETAILS)[number];

export const missingDetails = (request: TicketRequest): RecommendedDetail[] =>
  RECOMMENDED_DETAILS.filter((detail) => !request[detail]?.trim());

/**
 * P2: the details of a request staff may record after filing (docs/adr/0069, addendum of
 * 2026-12-04, fifth session): those the rules ask for, and the optional connectivity and antivirus.
 * The subject and description stay as filed: they are what the requester wrote.
 */
export const REQUEST_DETAILS = RequestDetailNames;
export type RequestDetail = RequestDetailName;
export type RequestDetails = Partial<Pick<TicketRequest, RequestDetail>>;

/**
 * P12: phone contacts default to consulting; other channels to standard unless the partner says
 * otherwise. Never development (P5, rule 5.4: only a referral gives it): filing refuses it, and a
 * follow-up copying an older request starts with support.
 */
export const suggestedLevel = (request: TicketRequest, channel: Channel): ServiceLevel => {
  const byChannel: ServiceLevel = channel === 'phone' ? 'consulting' : 'standard';
  return request.level === undefined || request.level === 'development' ? byChannel : request.level;
};

/**
 * P5: whether the filer named the level the request is at; false when it is the channel's default
 * (no level named, or development, which filing never keeps). The acknowledgment says "as
 * requested" only then.
 */
export const levelWasRequested = (request: TicketRequest, channel: Channel): boolean => request.level !== undefined && request.level === suggestedLevel(request, channel);

/** P7: this phrase, in a subject or body, in any case and spacing (line breaks too), flags the ticket for the team leader. */
const TEAM_LEADER_PHRASE = /attention\s+technical\s+support\s+team\s+leader/i;

// Where a reply's quoted history starts: "On … wrote:", "… пишет:", an Outlook "Original Message" rule or "From:" header block.
const QUOTE_INTRODUCTION = /^\s*(?:on\b.*\bwrote:|.*\sпишет:|-{2,}\s*original message\s*-{2,}|-{2,}\s*исходное сообщение\s*-{2,}|from:\s.*@.*)\s*$/i;

/**
 * A message without the history it quotes: `>` lines, and everything after the line that
 * introduces a quote. A phrase inside quoted history was said before, in an earlier message.
 */
export const withoutQuotedHistory = (text: string): string => {
  const kept: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (QUOTE_INTRODUCTION.test(line)) break;
    if (/^\s*>/.test(line)) continue;
    kept.push(line);
  }
  return kept.join('\n');
};

export const mentionsTeamLeader = (...texts: (string | undefined)[]): boolean =>
  texts.some((t) => t !== undefined && TEAM_LEADER_PHRASE.test(withoutQuotedHistory(t)));
