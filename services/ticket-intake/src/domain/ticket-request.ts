import type { Channel, Product, ServiceLevel } from '@tss/contracts';

/** What a request names (P2). Product, version and description are required by the API schema. */
export interface TicketRequest {
  product: Product;
  productVersion: string;
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

/** P2: the details the rules ask for; a request missing them is accepted but told what is missing. */
export const RECOMMENDED_DETAILS = ['stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion'] as const;
export type RecommendedDetail = (typeof RECOMMENDED_DETAILS)[number];

export const missingDetails = (request: TicketRequest): RecommendedDetail[] =>
  RECOMMENDED_DETAILS.filter((detail) => !request[detail]?.trim());

/** P12: phone contacts default to consulting; other channels to standard unless the partner says otherwise. */
export const suggestedLevel = (request: TicketRequest, channel: Channel): ServiceLevel =>
  request.level ?? (channel === 'phone' ? 'consulting' : 'standard');

/** P7: this phrase, in a subject or body, flags the ticket for the team leader. */
const TEAM_LEADER_PHRASE = /attention\s+technical\s+support\s+team\s+leader/i;
export const mentionsTeamLeader = (...texts: (string | undefined)[]): boolean => texts.some((t) => t !== undefined && TEAM_LEADER_PHRASE.test(t));
