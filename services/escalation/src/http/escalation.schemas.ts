import { Type, type Static, type StringOptions, type TString } from '@sinclair/typebox';
import { EscalationKind, Instant, Text, Uuid, VisibleText } from '@tss/contracts';
import { DEFAULT_RULES, TargetRoles } from '../domain/escalation-rules';
import { TicketIdOrReference } from './ticket-id-or-reference.schema';
import { WithheldNotes } from './withheld-notes.schema';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const TargetRole = Type.Union(TargetRoles.map((r) => Type.Literal(r)));
/** Requests take text that says something (`VisibleText`); responses the plain string (serializers know no text format). */
type StringOf = (options: StringOptions & { maxLength: number }) => TString;
const Plain: StringOf = (options) => Type.String(options);

// ---- rules -------------------------------------------------------------------------------------
// The vocabulary (event types, kinds, roles, thresholds) is checked by the domain so a 400 can name
// the rule at fault; the schema checks the shape.
const ruleConditions = (Str: StringOf) =>
  Type.Object(
    {
      minThreshold: Type.Optional(Type.Number({ description: 'sla.warning: the warning threshold (fraction of the target, 0–1) is at least this' })),
      // An empty list matches nothing: a rule that can never fire is refused, not stored.
      levels: Type.Optional(Type.Array(Str({ maxLength: 40 }), { minItems: 1, maxItems: 10, description: 'The ticket’s (or clock’s) service level is one of these; at least one' })),
      maxScore: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'rating.submitted: the score is at most this' })),
      commentPhrases: Type.Optional(
        Type.Array(Str({ maxLength: 200 }), { minItems: 1, maxItems: 50, description: 'rating.submitted: the comment contains one of these (case-insensitive); at least one' }),
      ),
      phoneSupport: Type.Optional(Type.Boolean({ description: 'sla.clock_started: the agreement includes phone support at the clock’s level' })),
    },
    { additionalProperties: false },
  );

const ruleSchema = (Str: StringOf) =>
  Type.Object(
    {
      id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$', description: 'Unique in the set; recorded on each escalation' }),
      on: Str({ maxLength: 100, description: 'sla.warning, sla.breached, sla.overdue, sla.clock_started, ticket.created, ticket.team_leader_requested or rating.submitted' }),
      kind: Str({ maxLength: 40, description: 'The escalation kind it raises' }),
      target: Str({ maxLength: 40, description: 'team_leader, head_of_support or agent: who on the roster is called in' }),
      level: Type.Optional(Type.Integer({ description: '1 the team leader, 2 the head of support' })),
      when: Type.Optional(ruleConditions(Str)),
      enabled: Type.Optional(Type.Boolean({ default: true })),
    },
    { additionalProperties: false },
  );

const RuleSchema = ruleSchema(VisibleText);
const RuleView = ruleSchema(Plain);

export const PutRulesBody = Type.Object(
  { rules: Type.Array(RuleSchema, { maxItems: 100 }) },
  {
    additionalProperties: false,
    examples: [
      {
        rules: [
          { id: 'emergency-sla-warning', on: 'sla.warning', kind: 'sla_warning', target: 'team_leader', level: 1, when: { minThreshold: 0.9, levels: ['emergency'] } },
          { id: 'sla-breach', on: 'sla.breached', kind: 'sla_breach', target: 'team_leader', level: 1 },
          { id: 'sla-overdue', on: 'sla.overdue', kind: 'sla_overdue', target: 'head_of_support', level: 2 },
        ],
      },
    ],
  },
);
export type PutRulesBody = Static<typeof PutRulesBody>;

export const RulesView = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  rules: Type.Array(RuleView),
  changedBy: Nullable(Type.String()),
  changedAt: Nullable(Instant),
});
export const RULES_EXAMPLE = { version: 1, rules: DEFAULT_RULES, changedBy: null, changedAt: null };

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 200, description: 'The ETag of the document as read: the PUT is refused (412) if it changed since, or for a weak `W/` tag (strong comparison)' })),
  'if-none-match': Type.Optional(
    Type.String({ maxLength: 200, description: 'ETags the PUT must not replace, compared weakly, or `*` (a version is always in force): naming the current one is a 412 (RFC 9110 §13.1.2)' }),
  ),
});

// ---- roster ------------------------------------------------------------------------------------
const Weekday = Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday: 1 Monday … 7 Sunday' });
const LocalTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Local time HH:mm' });

const shiftSchema = (Str: StringOf) =>
  Type.Object(
    {
      staffId: Str({ maxLength: 200 }),
      role: TargetRole,
      timeZone: Str({ maxLength: 64, description: 'IANA time zone, e.g. Europe/Moscow' }),
      weekdays: Type.Array(Weekday, { minItems: 1, maxItems: 7, uniqueItems: true, description: 'Days the shift starts on' }),
      start: LocalTime,
      end: { ...LocalTime, description: 'Local time HH:mm; at or before start: the shift ends the next day (equal: 24 hours)' },
    },
    { additionalProperties: false },
  );
const overrideSchema = (Str: StringOf) =>
  Type.Object(
    {
      staffId: Str({ maxLength: 200 }),
      role: TargetRole,
      from: Instant,
      to: Instant,
      duty: Type.Union([Type.Literal('on'), Type.Literal('off')], { description: 'on: on duty for the period; off: not on duty although a shift says so' }),
      note: Type.Optional(Str({ maxLength: 500, description: 'Why; access particulars in it are removed (P9)' })),
    },
    { additionalProperties: false },
  );

const ShiftSchema = shiftSchema(VisibleText);
const ShiftView = shiftSchema(Plain);
const OverrideSchema = overrideSchema(VisibleText);
const OverrideView = overrideSchema(Plain);

export const PutRosterBody = Type.Object(
  {
    shifts: Type.Array(ShiftSchema, { maxItems: 1000 }),
    // Optional in the document too: with only a default, OpenAPI called it required while a roster without it is taken.
    overrides: Type.Optional(Type.Array(OverrideSchema, { maxItems: 1000, default: [] })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        shifts: [
          { staffId: 'stf_lead_moscow', role: 'team_leader', timeZone: 'Europe/Moscow', weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
          { staffId: 'stf_lead_ny', role: 'team_leader', timeZone: 'America/New_York', weekdays: [1, 2, 3, 4, 5], start: '10:00', end: '19:00' },
          { staffId: 'stf_agent_night', role: 'agent', timeZone: 'Europe/Berlin', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '22:00', end: '06:00' },
          { staffId: 'stf_head', role: 'head_of_support', timeZone: 'Europe/Moscow', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' },
        ],
        overrides: [{ staffId: 'stf_lead_moscow', role: 'team_leader', from: '2026-12-31T06:00:00Z', to: '2027-01-02T06:00:00Z', duty: 'off', note: 'holiday' }],
      },
    ],
  },
);
export type PutRosterBody = Static<typeof PutRosterBody>;

export const RosterView = Type.Object({
  version: Type.Integer({ minimum: 0, description: '0: no roster written yet' }),
  shifts: Type.Array(ShiftView),
  overrides: Type.Array(OverrideView),
  changedBy: Nullable(Type.String()),
  changedAt: Nullable(Instant),
  notes: WithheldNotes,
});

export const OnDutyQuery = Type.Object(
  {
    at: Type.Optional({ ...Instant, description: 'The instant to answer for (default: now)' }),
    role: Type.Optional(TargetRole),
  },
  { additionalProperties: false },
);
export const OnDutyView = Type.Object({
  at: Instant,
  onDuty: Type.Array(Type.Object({ staffId: Type.String(), role: TargetRole, displayName: Nullable(Type.String()) })),
});

// ---- escalations -------------------------------------------------------------------------------
export const EscalationParams = Type.Object({ id: Uuid });

export const EscalationView = Type.Object({
  id: Uuid,
  ticketId: Uuid,
  partnerId: Uuid,
  kind: EscalationKind,
  level: Type.Union([Type.Literal(1), Type.Literal(2), Type.Null()]),
  rule: Type.String(),
  causeEventId: Type.String(),
  causeType: Type.String(),
  targetRole: TargetRole,
  targetStaffIds: Type.Array(Type.String(), { description: 'Who was on duty in the role when it was raised (or last re-notified)' }),
  surveyId: Nullable(Uuid),
  quote: Nullable(Type.String()),
  summary: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]),
  raisedAt: Instant,
  acknowledgedAt: Nullable(Instant),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Instant),
  resolvedBy: Nullable(Type.String()),
  outcome: Nullable(Type.String()),
  renotices: Type.Integer({ minimum: 0 }),
  lastNotifiedAt: Nullable(
    Type.String({ format: 'date-time', description: 'The last notice (the raise or a re-notice) that went to someone on duty; null while no one on duty in its role was reached' }),
  ),
  clockStoppedAt: Nullable(
    Type.String({
      format: 'date-time',
      description: 'Raised for a response clock (sla.warning, sla.breached, sla.overdue): when that clock stopped (answered, or no response owed any more); its re-notices stopped then',
    }),
  ),
  notes: WithheldNotes,
});

export const EscalationQuery = Type.Object(
  {
    open: Type.Optional(Type.Boolean({ description: 'true: not resolved yet; false: resolved' })),
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')])),
    ticketId: Type.Optional(TicketIdOrReference),
    level: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
    targetRole: Type.Optional(TargetRole),
    target: Type.Optional(Text({ maxLength: 200, description: 'A staff id the escalation was sent to; `me` for the caller' })),
    kind: Type.Optional(EscalationKind),
    cursor: Type.Optional(Text({ maxLength: 500, description: 'The nextCursor of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);
export type EscalationQuery = Static<typeof EscalationQuery>;

export const EscalationList = Type.Object({
  items: Type.Array(EscalationView),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page' })),
});

export const ResolveBody = Type.Object(
  // At least one visible character, like a referral's outcome: a blank outcome is no outcome.
  { outcome: Type.Optional(VisibleText({ maxLength: 4000, description: 'What was done (omit it rather than send blanks); access particulars in it are removed (P9)' })) },
  { additionalProperties: false, examples: [{ outcome: 'Called the partner; the fix is deployed and the ticket answered.' }] },
);
