import type { EntityManager } from 'typeorm';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { validateRules, type EscalationRule, type RuleInput } from '../domain/escalation-rules';
import { rosterProblems, type Roster } from '../domain/roster';
import { settingsStore, type Versioned } from '../store/settings.store';
import { staffProjection } from '../store/projection.store';

/** A new rule set, or a 400 naming each rule at fault; a rejected set leaves the one in force. */
export const replaceRules = async (tx: EntityManager, input: readonly RuleInput[], by: string, now: Date): Promise<Result<Versioned<EscalationRule[]>, Failure>> => {
  const checked = validateRules(input);
  if (!checked.ok) {
    const named = [...new Set(checked.problems.map((p) => p.rule))].join(', ');
    return err({
      kind: 'bad_request',
      detail: `Invalid escalation rules (${named}); the rules in force are unchanged.`,
      extensions: { rules: [...new Set(checked.problems.map((p) => p.rule))], errors: checked.problems.map((p) => ({ pointer: p.pointer, message: `rule "${p.rule}": ${p.message}` })) },
    });
  }
  const version = await settingsStore.saveRules(tx, checked.rules, by, now);
  return ok({ version, value: checked.rules, changedBy: by, changedAt: now });
};

/** A new roster, or a 400 naming what is wrong (unknown zone, bad time, staff the gateway never announced). */
export const replaceRoster = async (tx: EntityManager, roster: Roster, by: string, now: Date): Promise<Result<Versioned<Roster>, Failure>> => {
  const ids = [...roster.shifts.map((s) => s.staffId), ...roster.overrides.map((o) => o.staffId)];
  const known = await staffProjection.activeIds(tx, ids);
  const problems = rosterProblems(roster, known);
  if (problems.length > 0) return err({ kind: 'bad_request', detail: `Invalid roster: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`, extensions: { errors: problems } });
  const version = await settingsStore.saveRoster(tx, roster, by, now);
  return ok({ version, value: roster, changedBy: by, changedAt: now });
};
