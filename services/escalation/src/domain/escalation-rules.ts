import { cutText, EscalationKinds, escalationSummaryText, ServiceLevels, type EscalationKind, type EscalationSummaryFacts, type ServiceLevel } from '@tss/contracts';
import { findCredentials } from '@tss/service-kit';

/**
 * Escalation rules (issue #12, P4, P7): which event calls whom in. Pure data and functions; the
 * store keeps the rule set versioned, the handlers turn events into `RuleCause`s.
 */

/** The events a rule may react to. */
export const RuleEventTypes = ['sla.warning', 'sla.breached', 'sla.overdue', 'sla.clock_started', 'ticket.created', 'ticket.team_leader_requested', 'rating.submitted'] as const;
export type RuleEventType = (typeof RuleEventTypes)[number];

/** Roles of the on-duty roster an escalation is sent to. */
export const TargetRoles = ['team_leader', 'head_of_support', 'agent'] as const;
export type TargetRole = (typeof TargetRoles)[number];

/** Conditions on the event; every one given must hold. */
export interface RuleConditions {
  /**
   * sla.warning: the warning's threshold (a fraction of the target) is at least this, or the warning
   * is the last of its clock's schedule (P7: about to breach, whatever fractions the agreement chose).
   */
  minThreshold?: number;
  /** The ticket's (or clock's) service level is one of these. */
  levels?: ServiceLevel[];
  /** rating.submitted: the score is at most this. */
  maxScore?: number;
  /** rating.submitted: the comment contains one of these phrases (case-insensitive). */
  commentPhrases?: string[];
  /** sla.clock_started: the partner's agreement includes phone support at the clock's level. */
  phoneSupport?: boolean;
}

export interface EscalationRule {
  /** Unique in the set; recorded on each escalation it raises. */
  id: string;
  on: RuleEventType;
  kind: EscalationKind;
  target: TargetRole;
  /** 1 the team leader, 2 the head of support. */
  level?: 1 | 2;
  when?: RuleConditions;
  enabled?: boolean;
}

/** What the HTTP layer hands over: the shape is checked, the vocabulary is not (that is `validateRules`). */
export interface RuleInput {
  id: string;
  on: string;
  kind: string;
  target: string;
  level?: number;
  when?: { minThreshold?: number; levels?: string[]; maxScore?: number; commentPhrases?: string[]; phoneSupport?: boolean };
  enabled?: boolean;
}

/** Phrases that ask for the team leader in a rating's comment (English and Russian). */
export const TEAM_LEADER_PHRASES = ['team leader', 'team lead', 'teamlead', 'supervisor', 'руководител', 'тимлид', 'старшему', 'начальник'];

export const DEFAULT_RULES: readonly EscalationRule[] = [
  { id: 'emergency-sla-warning', on: 'sla.warning', kind: 'sla_warning', target: 'team_leader', level: 1, when: { minThreshold: 0.75, levels: ['emergency'] } },
  // P7: an about-to-breach clock of any other level: its 90 % warning.
  { id: 'sla-about-to-breach', on: 'sla.warning', kind: 'sla_warning', target: 'team_leader', level: 1, when: { minThreshold: 0.9, levels: ['standard', 'consulting', 'development'] } },
  { id: 'sla-breach', on: 'sla.breached', kind: 'sla_breach', target: 'team_leader', level: 1 },
  { id: 'sla-overdue', on: 'sla.overdue', kind: 'sla_overdue', target: 'head_of_support', level: 2 },
  { id: 'team-leader-requested', on: 'ticket.team_leader_requested', kind: 'team_leader', target: 'team_leader', level: 1 },
  { id: 'emergency-page', on: 'ticket.created', kind: 'emergency', target: 'agent', when: { levels: ['emergency'] } },
  { id: 'emergency-phone-callback', on: 'sla.clock_started', kind: 'phone_callback', target: 'agent', when: { levels: ['emergency'], phoneSupport: true } },
  { id: 'low-rating', on: 'rating.submitted', kind: 'low_rating', target: 'team_leader', level: 1, when: { maxScore: 2 } },
  { id: 'rating-asks-team-leader', on: 'rating.submitted', kind: 'team_leader', target: 'team_leader', level: 1, when: { commentPhrases: TEAM_LEADER_PHRASES } },
];

export interface RuleProblem {
  /** The rule's id (or its index when it has none). */
  rule: string;
  pointer: string;
  message: string;
}

const includes = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

/**
 * P9: a rule's id is recorded on every escalation it raises, and a comment phrase is matched against
 * ratings' comments, whose particulars rating removes before escalation reads them: particulars in
 * either are refused, not masked (a masked phrase would match every comment that held some), and the
 * problem never repeats them (docs/adr/0026, addendum of 2026-12-05, fourth session).
 */
const HOLDS_PARTICULARS = 'holds access particulars (P9): they are never kept in the rules; hand them over on a ticket with POST /v1/tickets/{id}/credentials';
const holdsParticulars = (text: string): boolean => findCredentials(text).length > 0;

/** The rule set as given, or every problem in it (each naming its rule): a rejected set changes nothing. */
export const validateRules = (input: readonly RuleInput[]): { ok: true; rules: EscalationRule[] } | { ok: false; problems: RuleProblem[] } => {
  const problems: RuleProblem[] = [];
  const seen = new Set<string>();
  input.forEach((rule, i) => {
    const idHoldsParticulars = holdsParticulars(rule.id);
    const name = rule.id && !idHoldsParticulars ? rule.id : `#${i}`;
    const at = (field: string, message: string) => problems.push({ rule: name, pointer: `/rules/${i}/${field}`, message });
    if (idHoldsParticulars) at('id', `the rule id ${HOLDS_PARTICULARS}`);
    else if (seen.has(rule.id)) at('id', `rule id "${rule.id}" is used twice`);
    seen.add(rule.id);
    if (!includes(RuleEventTypes, rule.on)) at('on', `unknown event type "${rule.on}"; known: ${RuleEventTypes.join(', ')}`);
    if (!includes(EscalationKinds, rule.kind)) at('kind', `unknown escalation kind "${rule.kind}"; known: ${EscalationKinds.join(', ')}`);
    if (!includes(TargetRoles, rule.target)) at('target', `unknown target role "${rule.target}"; known: ${TargetRoles.join(', ')}`);
    if (rule.level !== undefined && rule.level !== 1 && rule.level !== 2) at('level', 'level must be 1 (team leader) or 2 (head of support)');
    const when = rule.when ?? {};
    if (when.minThreshold !== undefined) {
      if (!(Number.isFinite(when.minThreshold) && when.minThreshold >= 0 && when.minThreshold <= 1)) at('when/minThreshold', `threshold ${when.minThreshold} is out of [0, 1]`);
      if (rule.on !== 'sla.warning') at('when/minThreshold', 'a threshold applies to sla.warning only');
    }
    (when.levels ?? []).forEach((level, j) => {
      if (!includes(ServiceLevels, level)) at(`when/levels/${j}`, `unknown service level "${level}"`);
    });
    if (when.maxScore !== undefined && rule.on !== 'rating.submitted') at('when/maxScore', 'a score applies to rating.submitted only');
    if (when.commentPhrases !== undefined && rule.on !== 'rating.submitted') at('when/commentPhrases', 'comment phrases apply to rating.submitted only');
    (when.commentPhrases ?? []).forEach((phrase, j) => {
      if (holdsParticulars(phrase)) at(`when/commentPhrases/${j}`, `the phrase ${HOLDS_PARTICULARS}`);
    });
    if (when.phoneSupport !== undefined && rule.on !== 'sla.clock_started') at('when/phoneSupport', 'phone support applies to sla.clock_started only');
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules: input as EscalationRule[] };
};

/** An event that may set off rules, free of its transport: what the rules look at. */
export interface RuleCause {
  type: RuleEventType;
  eventId: string;
  ticketId: string;
  partnerId: string;
  /** The ticket's level (or the clock's, for sla events). */
  level?: ServiceLevel;
  threshold?: number;
  /** sla.warning: the last warning of the clock's schedule (`last: true`). */
  lastWarning?: boolean;
  score?: number;
  comment?: string;
  phoneSupport?: boolean;
  /** What the requester wrote (the team-leader message, a rating's comment). */
  quote?: string;
  surveyId?: string;
  clockId?: string;
  messageId?: string;
  /** The event that stands for this cause when it is not of `type` itself (a raise to emergency, see `causesOfRaiseToEmergency`). */
  via?: 'sla.retargeted';
  /** The ticket event the cause follows: a ticket event's own `sequence`, an sla event's `ticketSequence`; absent when it names none. */
  ticketSequence?: number;
}

/**
 * P4, P12: a ticket raised to emergency (`sla.retargeted` to `emergency`) is called in as one filed
 * at emergency: the rules in force are evaluated as for `ticket.created` (the emergency page) and
 * `sla.clock_started` (the phone call-back, with the agreement's `phoneSupport` at emergency). Their
 * cause key is the ticket's, so a ticket that had them (filed at emergency, lowered, raised again)
 * gets neither twice. Any other re-target raises nothing.
 */
export const causesOfRaiseToEmergency = (event: {
  eventId: string;
  ticketId: string;
  partnerId: string;
  level: ServiceLevel;
  previousLevel: ServiceLevel;
  phoneSupport?: boolean;
  clockId: string;
  ticketSequence?: number;
}): RuleCause[] => {
  if (event.level !== 'emergency' || event.previousLevel === 'emergency') return [];
  const common = {
    eventId: event.eventId,
    ticketId: event.ticketId,
    partnerId: event.partnerId,
    level: event.level,
    via: 'sla.retargeted' as const,
    ...(event.ticketSequence === undefined ? {} : { ticketSequence: event.ticketSequence }),
  };
  return [
    { ...common, type: 'ticket.created' },
    { ...common, type: 'sla.clock_started', phoneSupport: event.phoneSupport ?? false, clockId: event.clockId },
  ];
};

/** One escalation to raise: what the rule says and what makes it unique. */
export interface RuleMatch {
  rule: string;
  kind: EscalationKind;
  targetRole: TargetRole;
  level?: 1 | 2;
  /**
   * One escalation per (rule, causeKey): the clock for sla events (its 0.75 and 0.9 warnings are
   * one escalation), the survey for ratings (the same survey submitted twice is one), the ticket
   * for a new ticket's page and call-back, the message for a team-leader request.
   */
  causeKey: string;
  quote?: string;
  surveyId?: string;
  /** What set it off, in English (kept, listed, published). */
  summary: string;
  /** The same as facts, for readers of other languages (`escalation.raised`, docs/adr/0042, fifth session). */
  summaryFacts: EscalationSummaryFacts;
}

const causeKeyOf = (cause: RuleCause): string => {
  switch (cause.type) {
    case 'sla.warning':
    case 'sla.breached':
    case 'sla.overdue':
      return cause.clockId ? `clock:${cause.clockId}` : `event:${cause.eventId}`;
    case 'rating.submitted':
      return cause.surveyId ? `survey:${cause.surveyId}` : `event:${cause.eventId}`;
    case 'ticket.created':
    case 'sla.clock_started':
      return `ticket:${cause.ticketId}`;
    case 'ticket.team_leader_requested':
      return cause.messageId ? `message:${cause.messageId}` : `event:${cause.eventId}`;
  }
};

const normalize = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ');

/** True when the text asks for someone by one of the phrases. */
export const mentionsAny = (text: string | undefined, phrases: readonly string[]): boolean => {
  if (!text) return false;
  const haystack = normalize(text);
  return phrases.some((p) => p.trim() !== '' && haystack.includes(normalize(p.trim())));
};

const matches = (rule: EscalationRule, cause: RuleCause): boolean => {
  if (rule.enabled === false || rule.on !== cause.type) return false;
  const when = rule.when ?? {};
  if (when.levels && (!cause.level || !when.levels.includes(cause.level))) return false;
  // P7: the clock's last warning is its "about to breach", even when the agreement's fractions all
  // fall short of the rule's (warnings at 0.5 and 0.8 under a 0.9 rule): a threshold rule cannot be
  // silenced by an agreement (docs/adr/0038, seventh session). Once per clock all the same (the cause key).
  if (when.minThreshold !== undefined && !(cause.lastWarning === true || (cause.threshold !== undefined && cause.threshold >= when.minThreshold))) return false;
  if (when.phoneSupport !== undefined && (cause.phoneSupport ?? false) !== when.phoneSupport) return false;
  // A rating rule with both a score and phrases: either one is enough (a low score, or asking for someone).
  if (when.maxScore !== undefined || when.commentPhrases !== undefined) {
    const lowScore = when.maxScore !== undefined && cause.score !== undefined && cause.score <= when.maxScore;
    const asks = when.commentPhrases !== undefined && mentionsAny(cause.comment, when.commentPhrases);
    if (!lowScore && !asks) return false;
  }
  return true;
};

/** What the summary states of each cause: the event, and the few facts its words need. */
const summaryFactsOf = (c: RuleCause): EscalationSummaryFacts => {
  const raised = c.via ? { raisedToEmergency: true } : {};
  switch (c.type) {
    case 'sla.warning':
      return { on: c.type, ...(c.level ? { clockLevel: c.level } : {}), thresholdPercent: Math.round((c.threshold ?? 0) * 100) };
    case 'sla.clock_started':
    case 'ticket.created':
      return { on: c.type, ...raised };
    case 'rating.submitted':
      return { on: c.type, ...(c.score !== undefined ? { score: c.score } : {}), ...(c.comment ? { withComment: true } : {}) };
    case 'sla.breached':
    case 'sla.overdue':
    case 'ticket.team_leader_requested':
      return { on: c.type };
  }
};

/**
 * The escalations an event raises under the rules, in rule order. At most one per target role: a
 * rating of 1 that also asks for the team leader calls the team leader in once (the first rule).
 */
export const evaluateRules = (rules: readonly EscalationRule[], cause: RuleCause): RuleMatch[] => {
  const byRole = new Map<TargetRole, RuleMatch>();
  const facts = summaryFactsOf(cause);
  for (const rule of rules) {
    if (byRole.has(rule.target) || !matches(rule, cause)) continue;
    byRole.set(rule.target, {
      rule: rule.id,
      kind: rule.kind,
      targetRole: rule.target,
      ...(rule.level ? { level: rule.level } : {}),
      causeKey: causeKeyOf(cause),
      ...(cause.quote ? { quote: cutText(cause.quote, 2000) } : {}),
      ...(cause.surveyId ? { surveyId: cause.surveyId } : {}),
      // English, the words staff read in the API; each notice words the facts in its reader's language.
      summary: cutText(escalationSummaryText(facts, 'en') ?? cause.type, 500),
      summaryFacts: facts,
    });
  }
  return [...byRole.values()];
};
