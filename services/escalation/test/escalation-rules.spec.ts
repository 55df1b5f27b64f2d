import { DEFAULT_RULES, evaluateRules, mentionsAny, TEAM_LEADER_PHRASES, validateRules, type RuleCause, type RuleInput } from '../src/domain/escalation-rules';

const cause = (over: Partial<RuleCause> & Pick<RuleCause, 'type'>): RuleCause => ({ eventId: 'evt-1', ticketId: 'tkt-1', partnerId: 'ptn-1', ...over });
const kinds = (c: RuleCause) => evaluateRules(DEFAULT_RULES, c).map((m) => `${m.kind}->${m.targetRole}${m.level ? `@${m.level}` : ''}`);

describe('escalation rules: the defaults (issue #12, P4, P7)', () => {
  it('P7: a warning at 75 % or later on an emergency calls the team leader; earlier, nothing', () => {
    expect(kinds(cause({ type: 'sla.warning', level: 'emergency', threshold: 0.75, clockId: 'c1' }))).toEqual(['sla_warning->team_leader@1']);
    expect(kinds(cause({ type: 'sla.warning', level: 'emergency', threshold: 0.9, clockId: 'c1' }))).toEqual(['sla_warning->team_leader@1']);
    expect(kinds(cause({ type: 'sla.warning', level: 'emergency', threshold: 0.5, clockId: 'c1' }))).toEqual([]);
  });

  it('P7: on every other level the about-to-breach warning (90 %) calls the team leader; the 50 and 75 % ones do not', () => {
    for (const level of ['standard', 'consulting', 'development'] as const) {
      expect(kinds(cause({ type: 'sla.warning', level, threshold: 0.9, clockId: 'c1' }))).toEqual(['sla_warning->team_leader@1']);
      expect(kinds(cause({ type: 'sla.warning', level, threshold: 0.75, clockId: 'c1' }))).toEqual([]);
      expect(kinds(cause({ type: 'sla.warning', level, threshold: 0.5, clockId: 'c1' }))).toEqual([]);
    }
  });

  it('P7: the clock’s last warning is about to breach whatever its fraction: an agreement warning at 50 and 80 % still calls the team leader, once per clock', () => {
    for (const level of ['standard', 'consulting', 'development'] as const) {
      expect(kinds(cause({ type: 'sla.warning', level, threshold: 0.8, lastWarning: true, clockId: 'c1' }))).toEqual(['sla_warning->team_leader@1']);
      expect(kinds(cause({ type: 'sla.warning', level, threshold: 0.5, clockId: 'c1' }))).toEqual([]);
    }
    expect(kinds(cause({ type: 'sla.warning', level: 'emergency', threshold: 0.6, lastWarning: true, clockId: 'c1' }))).toEqual(['sla_warning->team_leader@1']);
    // A rule without a threshold condition is not made to fire by it.
    const levelOnly = [{ id: 'dev-only', on: 'sla.warning' as const, kind: 'sla_warning' as const, target: 'team_leader' as const, when: { levels: ['development' as const] } }];
    expect(evaluateRules(levelOnly, cause({ type: 'sla.warning', level: 'standard', threshold: 0.8, lastWarning: true, clockId: 'c1' }))).toEqual([]);
  });

  it('P7: a breach is level 1 to the team leader, overdue is level 2 to the head of support', () => {
    expect(kinds(cause({ type: 'sla.breached', level: 'standard', clockId: 'c1' }))).toEqual(['sla_breach->team_leader@1']);
    expect(kinds(cause({ type: 'sla.overdue', level: 'consulting', clockId: 'c1' }))).toEqual(['sla_overdue->head_of_support@2']);
  });

  it('P4: a new emergency pages the agents; a call-back only when the agreement includes phone support', () => {
    expect(kinds(cause({ type: 'ticket.created', level: 'emergency' }))).toEqual(['emergency->agent']);
    expect(kinds(cause({ type: 'ticket.created', level: 'standard' }))).toEqual([]);
    expect(kinds(cause({ type: 'sla.clock_started', level: 'emergency', phoneSupport: true }))).toEqual(['phone_callback->agent']);
    expect(kinds(cause({ type: 'sla.clock_started', level: 'emergency', phoneSupport: false }))).toEqual([]);
    expect(kinds(cause({ type: 'sla.clock_started', level: 'emergency' }))).toEqual([]);
    expect(kinds(cause({ type: 'sla.clock_started', level: 'consulting', phoneSupport: true }))).toEqual([]);
  });

  it('P7: the team-leader phrase calls the team leader with the quote', () => {
    const [match] = evaluateRules(DEFAULT_RULES, cause({ type: 'ticket.team_leader_requested', quote: 'Attention Technical Support Team Leader: nobody answers', messageId: 'm1' }));
    expect(match).toMatchObject({ kind: 'team_leader', targetRole: 'team_leader', quote: 'Attention Technical Support Team Leader: nobody answers', causeKey: 'message:m1' });
  });

  // The summary is English; a Russian reader's notice showed it as written (an outside tester, docs/adr/0042,
  // addendum of 2026-12-05, fifth session). Each match now carries what it says as facts too.
  it('each match says what set it off: the summary in English, as ever, and the same as facts each reader words in their language', () => {
    const said = (c: RuleCause) => evaluateRules(DEFAULT_RULES, c).map((m) => [m.summary, m.summaryFacts]);
    expect(said(cause({ type: 'sla.warning', level: 'standard', threshold: 0.9, clockId: 'c1' }))).toEqual([
      ['The standard response clock passed 90 % of its target', { on: 'sla.warning', clockLevel: 'standard', thresholdPercent: 90 }],
    ]);
    expect(said(cause({ type: 'sla.breached', level: 'standard', clockId: 'c1' }))).toEqual([['The maximum response time passed with no response', { on: 'sla.breached' }]]);
    expect(said(cause({ type: 'sla.overdue', level: 'consulting', clockId: 'c1' }))).toEqual([['Still no response at the overdue threshold', { on: 'sla.overdue' }]]);
    expect(said(cause({ type: 'ticket.created', level: 'emergency' }))).toEqual([['New emergency ticket', { on: 'ticket.created' }]]);
    expect(said(cause({ type: 'ticket.created', level: 'emergency', via: 'sla.retargeted' }))).toEqual([['Ticket raised to emergency', { on: 'ticket.created', raisedToEmergency: true }]]);
    expect(said(cause({ type: 'sla.clock_started', level: 'emergency', phoneSupport: true }))).toEqual([
      ['Emergency ticket: the partner’s agreement includes phone support; call the requester back', { on: 'sla.clock_started' }],
    ]);
    expect(said(cause({ type: 'ticket.team_leader_requested', messageId: 'm1' }))).toEqual([['The requester asked for the team leader', { on: 'ticket.team_leader_requested' }]]);
    expect(said(cause({ type: 'rating.submitted', score: 2, comment: 'slow', surveyId: 's1' }))).toEqual([['Rating 2 of 5 with a comment', { on: 'rating.submitted', score: 2, withComment: true }]]);
    expect(said(cause({ type: 'rating.submitted', score: 1, surveyId: 's1' }))).toEqual([['Rating 1 of 5', { on: 'rating.submitted', score: 1 }]]);
  });

  it('a rating of 1 or 2, or a comment asking for the team leader (English or Russian), calls the team leader once', () => {
    expect(kinds(cause({ type: 'rating.submitted', score: 2, surveyId: 's1' }))).toEqual(['low_rating->team_leader@1']);
    expect(kinds(cause({ type: 'rating.submitted', score: 3, surveyId: 's1' }))).toEqual([]);
    expect(kinds(cause({ type: 'rating.submitted', score: 4, comment: 'I want to speak to the Team  Leader', surveyId: 's1' }))).toEqual(['team_leader->team_leader@1']);
    expect(kinds(cause({ type: 'rating.submitted', score: 5, comment: 'Передайте руководителю поддержки спасибо', surveyId: 's1' }))).toEqual(['team_leader->team_leader@1']);
    // Both at once: one escalation (the first rule for the role), with the comment quoted.
    const both = evaluateRules(DEFAULT_RULES, cause({ type: 'rating.submitted', score: 1, comment: 'team leader please', surveyId: 's1' }));
    expect(both).toEqual([expect.objectContaining({ kind: 'low_rating', surveyId: 's1', causeKey: 'survey:s1' })]);
  });

  it('one escalation per cause: the key is the clock, the survey, the ticket or the message, not the event id', () => {
    const key = (c: RuleCause) => evaluateRules(DEFAULT_RULES, c)[0]?.causeKey;
    expect(key(cause({ type: 'sla.warning', level: 'emergency', threshold: 0.75, clockId: 'c9', eventId: 'a' }))).toBe(key(cause({ type: 'sla.warning', level: 'emergency', threshold: 0.9, clockId: 'c9', eventId: 'b' })));
    expect(key(cause({ type: 'rating.submitted', score: 1, surveyId: 's2', eventId: 'a' }))).toBe('survey:s2');
    expect(key(cause({ type: 'ticket.created', level: 'emergency', ticketId: 't7' }))).toBe('ticket:t7');
  });

  it('a disabled rule raises nothing', () => {
    const rules = DEFAULT_RULES.map((r) => (r.id === 'sla-breach' ? { ...r, enabled: false } : r));
    expect(evaluateRules(rules, cause({ type: 'sla.breached', clockId: 'c1' }))).toEqual([]);
  });

  it('phrases match case- and spacing-insensitively', () => {
    expect(mentionsAny('ATTENTION   team\nleader', TEAM_LEADER_PHRASES)).toBe(true);
    expect(mentionsAny('all good, thanks', TEAM_LEADER_PHRASES)).toBe(false);
    expect(mentionsAny(undefined, TEAM_LEADER_PHRASES)).toBe(false);
  });
});

describe('escalation rules: validation (issue #12)', () => {
  const valid: RuleInput = { id: 'r1', on: 'sla.breached', kind: 'sla_breach', target: 'team_leader', level: 1 };

  it('the defaults are valid', () => {
    expect(validateRules(DEFAULT_RULES)).toEqual({ ok: true, rules: DEFAULT_RULES });
  });

  it.each([
    ['unknown event type', { ...valid, on: 'sla.exploded' }, '/rules/0/on', 'unknown event type "sla.exploded"'],
    ['threshold above 1', { ...valid, on: 'sla.warning', kind: 'sla_warning', when: { minThreshold: 1.5 } }, '/rules/0/when/minThreshold', 'out of [0, 1]'],
    ['threshold below 0', { ...valid, on: 'sla.warning', kind: 'sla_warning', when: { minThreshold: -0.1 } }, '/rules/0/when/minThreshold', 'out of [0, 1]'],
    ['unknown target role', { ...valid, target: 'ceo' }, '/rules/0/target', 'unknown target role "ceo"'],
    ['unknown kind', { ...valid, kind: 'panic' }, '/rules/0/kind', 'unknown escalation kind "panic"'],
    ['unknown level', { ...valid, level: 3 }, '/rules/0/level', 'level must be 1'],
    ['unknown service level', { ...valid, when: { levels: ['urgent'] } }, '/rules/0/when/levels/0', 'unknown service level "urgent"'],
    ['a threshold on another event', { ...valid, when: { minThreshold: 0.5 } }, '/rules/0/when/minThreshold', 'sla.warning only'],
  ])('refuses %s, naming the rule', (_name, rule, pointer, message) => {
    const result = validateRules([rule as RuleInput]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([expect.objectContaining({ rule: 'r1', pointer, message: expect.stringContaining(message) })]);
  });

  it('refuses a rule id used twice', () => {
    const result = validateRules([valid, valid]);
    expect(result.ok ? [] : result.problems).toEqual([expect.objectContaining({ rule: 'r1', pointer: '/rules/1/id' })]);
  });
});
