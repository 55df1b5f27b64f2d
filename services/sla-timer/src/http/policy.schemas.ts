import { Type, type Static } from '@sinclair/typebox';
import { ServiceLevel, StringEnum, Text } from '@tss/contracts';
import { MAX_HOLIDAYS, MAX_OVERDUE_FRACTION, MAX_TARGET_MS, MIN_TARGET_MS, MIN_WARNING_FRACTION } from '../domain/policy-validation';
import { EARLIEST_PREVIEW_START, PREVIEW_STARTS_BEFORE } from '../domain/preview-start';

/** The rules' policy (P5), as a request or a response shows it. */
const RULES_EXAMPLE = {
  levels: {
    emergency: { targetMs: 21_600_000, phoneSupport: false },
    standard: { targetMs: 43_200_000, phoneSupport: false },
    consulting: { targetMs: 86_400_000, phoneSupport: true },
    development: { targetMs: 604_800_000, phoneSupport: false },
  },
  warningAt: [0.5, 0.75, 0.9],
  overdueAt: 1.5,
};
const NINE_TO_SIX = [{ from: '09:00', to: '18:00' }];
/** An agreement in business hours: Berlin, weekdays 9–18, two holidays, emergencies 4 business hours. */
const AGREEMENT_EXAMPLE = {
  ...RULES_EXAMPLE,
  levels: { ...RULES_EXAMPLE.levels, emergency: { targetMs: 14_400_000, phoneSupport: true } },
  calendar: { timeZone: 'Europe/Berlin', week: { 1: NINE_TO_SIX, 2: NINE_TO_SIX, 3: NINE_TO_SIX, 4: NINE_TO_SIX, 5: NINE_TO_SIX }, holidays: ['2026-12-25', '2027-01-01'] },
};

const HOUR_MS = 3_600_000;
/** The terms of one level; its target at most the rules' published maximum, checked (with its message) by `validatePolicy`. */
const LevelTerms = (level: ServiceLevel) =>
  Type.Object(
    {
      targetMs: Type.Integer({
        minimum: 1,
        description: `Maximum response time in ms (business time when the policy has a calendar); at least ${MIN_TARGET_MS} (1 min), at most ${MAX_TARGET_MS[level]} (${MAX_TARGET_MS[level] / HOUR_MS} h), the maximum the rules publish for ${level}, and no longer than a less urgent level's. Counted in business time, it still never makes a response due later than that maximum in calendar time from the start: a clock is due at the earlier of the two.`,
      }),
      phoneSupport: Type.Boolean({ description: 'P12: whether phone support is included at this level.' }),
    },
    { additionalProperties: false },
  );

const Levels = Type.Object(
  { emergency: LevelTerms('emergency'), standard: LevelTerms('standard'), consulting: LevelTerms('consulting'), development: LevelTerms('development') },
  { additionalProperties: false, description: 'Terms of each of the four levels (P5); all four are required.' },
);

const WallTime = Type.String({ pattern: '^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$', description: 'Local time HH:mm; 24:00 ends a period at midnight.' });
const Period = Type.Object({ from: WallTime, to: WallTime }, { additionalProperties: false });
const DayPeriods = Type.Array(Period, { maxItems: 24 });

const BusinessCalendar = Type.Object(
  {
    timeZone: Text({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin.' }),
    week: Type.Object(
      { 1: Type.Optional(DayPeriods), 2: Type.Optional(DayPeriods), 3: Type.Optional(DayPeriods), 4: Type.Optional(DayPeriods), 5: Type.Optional(DayPeriods), 6: Type.Optional(DayPeriods), 7: Type.Optional(DayPeriods) },
      { additionalProperties: false, description: 'Open periods per ISO weekday (1 = Monday … 7 = Sunday), local time; a day not listed is closed.' },
    ),
    holidays: Type.Array(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'Local date YYYY-MM-DD.' }), { maxItems: MAX_HOLIDAYS }),
  },
  {
    additionalProperties: false,
    description: 'Business hours; without one the policy counts calendar time, 24/7. Partner agreements only: the default policy counts 24/7 (P5) and refuses one.',
  },
);

export const SlaPolicyBody = Type.Object(
  {
    levels: Levels,
    warningAt: Type.Array(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }), {
      minItems: 1,
      maxItems: 10,
      description: `Fractions of the target at which sla.warning is published, ascending, each at least ${MIN_WARNING_FRACTION} (1 %) and below 1; at least one. The highest is the clock's "about to breach" (\`last: true\`), which escalates to the team leader (P7): no agreement can leave it out.`,
    }),
    overdueAt: Type.Number({ exclusiveMinimum: 1, maximum: MAX_OVERDUE_FRACTION, description: 'Fraction of the target past which sla.overdue is published.' }),
    calendar: Type.Optional(BusinessCalendar),
  },
  { additionalProperties: false, examples: [RULES_EXAMPLE, AGREEMENT_EXAMPLE] },
);
export type SlaPolicyBody = Static<typeof SlaPolicyBody>;

export const PolicyVersionView = Type.Object(
  {
    scope: Type.String({ description: '`default`, or the id of the partner whose agreement it is.' }),
    version: Type.Integer({ minimum: 1, description: 'Clocks started under this version keep it.' }),
    createdAt: Type.String({ format: 'date-time' }),
    policy: SlaPolicyBody,
  },
  { $id: 'SlaPolicyVersion', examples: [{ scope: 'default', version: 1, createdAt: '2026-01-01T00:00:00.000Z', policy: RULES_EXAMPLE }] },
);

export const PolicyHistoryEntryView = Type.Object(
  {
    scope: Type.String({ description: '`default`, or the id of the partner whose agreement it is.' }),
    version: Type.Integer({ minimum: 1 }),
    createdAt: Type.String({ format: 'date-time' }),
    removed: Type.Boolean({
      description: 'true: this version dropped the partner’s agreement (`DELETE /v1/partners/{id}/sla-policy`); from it the partner’s terms are the default’s, and it has no policy of its own.',
    }),
    policy: Type.Optional(SlaPolicyBody),
  },
  {
    $id: 'SlaPolicyHistoryEntry',
    description: 'A version of a scope: its terms (`removed: false`, with `policy`), or the end of a partner’s agreement.',
    examples: [
      { scope: 'default', version: 1, createdAt: '2026-01-01T00:00:00.000Z', removed: false, policy: RULES_EXAMPLE },
      { scope: '0b7e8a53-9d2c-4a58-9a52-3b1f2d9f4c11', version: 3, createdAt: '2026-12-04T09:00:00.000Z', removed: true },
    ],
  },
);

export const PartnerParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** A version number as a clock names it (`policy.version` of `GET /v1/tickets/{id}/sla`); PostgreSQL's integer bounds it. */
const VersionNumber = Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The version, as a clock’s `policy.version` names it', examples: [2] });
export const VersionParams = Type.Object({ version: VersionNumber });
export const PartnerVersionParams = Type.Object({ id: Type.String({ format: 'uuid' }), version: VersionNumber });

export const PolicyHistoryQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000, description: 'The nextCursor of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);
export type PolicyHistoryQuery = Static<typeof PolicyHistoryQuery>;

export const PolicyHistoryPage = Type.Object({
  items: Type.Array(Type.Ref('SlaPolicyHistoryEntry'), { description: 'Newest first; versions are never changed, so a page read later shows the same items' }),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page' })),
});

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({ maxLength: 200, description: 'The ETag of the terms as read (GET): the change is refused (412) if they changed since, or for a weak `W/` tag (strong comparison)' }),
  ),
  'if-none-match': Type.Optional(
    Type.String({ maxLength: 200, description: 'ETags the change must not be made over, compared weakly, or `*` (there are always terms in force): naming the terms in force is a 412 (RFC 9110 §13.1.2)' }),
  ),
});

export const PreviewBody = Type.Object(
  {
    level: ServiceLevel,
    startedAt: Type.String({
      format: 'date-time',
      description: `When the response became owed: from ${EARLIEST_PREVIEW_START.toISOString()} up to, not including, ${PREVIEW_STARTS_BEFORE.toISOString()} (a 400 otherwise), so that every instant answered is an RFC 3339 date-time with a four-digit year.`,
    }),
    policy: Type.Optional(SlaPolicyBody),
    partnerId: Type.Optional(Type.String({ format: 'uuid', description: "Preview under this partner's agreement (or the default it falls back to); a partner the gateway never registered is a 422." })),
  },
  {
    additionalProperties: false,
    description: 'A policy to check before saving it, or a partner whose current terms to use; neither means the current default.',
    examples: [
      { level: 'emergency', startedAt: '2026-03-27T15:00:00.000Z', policy: AGREEMENT_EXAMPLE },
      { level: 'standard', startedAt: '2026-03-27T15:00:00.000Z', partnerId: '0b7e8a53-9d2c-4a58-9a52-3b1f2d9f4c11' },
    ],
  },
);
export type PreviewBody = Static<typeof PreviewBody>;

export const PreviewView = Type.Object(
  {
    level: ServiceLevel,
    startedAt: Type.String({ format: 'date-time' }),
    targetMs: Type.Integer({
      description:
        'The response time the due time keeps, as a clock started then would show it: the level’s target, or the rules’ maximum for the level (calendar time) when the target, counted on the policy’s calendar, would fall due later (`dueBy`).',
    }),
    dueBy: StringEnum(['terms', 'rules_maximum'] as const, {
      description:
        'P5: what decides the due time. `terms`: the level’s target as the policy counts it (business time on its calendar). `rules_maximum`: the rules’ maximum (6 h, 12 h, 24 h, 7 d) in calendar time from the start, which a clock never passes; each warning and the overdue notice is likewise the earlier of its two instants.',
    }),
    dueAt: Type.String({ format: 'date-time' }),
    warnings: Type.Array(Type.Object({ threshold: Type.Number(), at: Type.String({ format: 'date-time' }) })),
    overdueAt: Type.String({ format: 'date-time' }),
    phoneSupport: Type.Boolean(),
    basedOn: Type.Union([Type.Object({ scope: Type.String(), version: Type.Integer() }), Type.Null()], { description: 'The stored version used; null for a policy given in the request.' }),
    calendarFallback: Type.Optional(
      Type.Literal(true, {
        description: 'Present when the stored version’s calendar cannot count this level within the calculator’s horizon: the times are calendar time, 24/7, as its clocks run (store a new version).',
      }),
    ),
  },
  { $id: 'SlaPreview' },
);
