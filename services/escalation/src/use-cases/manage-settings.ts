import type { EntityManager } from 'typeorm';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { failedVersionPrecondition } from '../domain/document-version';
import { validateRules, type EscalationRule, type RuleInput } from '../domain/escalation-rules';
import { rosterProblems, type Roster } from '../domain/roster';
import { keptStaffText, withheldNotes } from '../domain/withheld-particulars';
import { settingsStore, type Versioned } from '../store/settings.store';
import { staffProjection } from '../store/projection.store';

/**
 * Who replaces a document, when, the version they read (If-Match; optional: absent replaces
 * whatever is in force) and versions it must not replace (If-None-Match).
 */
export interface Replacement {
  by: string;
  at: Date;
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** The 412 of a replacement whose condition fails over `version` (RFC 9110 §13.2.2), if one does. */
const refusedOver = (what: string, version: number, change: Replacement): Failure | undefined => {
  const failed = failedVersionPrecondition(change, version);
  if (!failed) return undefined;
  return {
    kind: 'precondition_failed',
    detail:
      failed === 'if-match'
        ? `The ${what} changed since it was read (now version ${version}); read it again and reapply your change.`
        : `If-None-Match names the ${what} in force (version ${version}), or is *: nothing was replaced.`,
  };
};

/** A new rule set, or a 400 validation problem naming each rule at fault; a rejected set leaves the one in force. */
export const replaceRules = async (tx: EntityManager, input: readonly RuleInput[], change: Replacement): Promise<Result<Versioned<EscalationRule[]>, Failure>> => {
  const checked = validateRules(input);
  if (!checked.ok) {
    const named = [...new Set(checked.problems.map((p) => p.rule))];
    return err({
      kind: 'validation',
      detail: `Invalid escalation rules (${named.join(', ')}); the rules in force are unchanged.`,
      extensions: { rules: named, errors: checked.problems.map((p) => ({ in: 'body', pointer: p.pointer, message: `rule "${p.rule}": ${p.message}` })) },
    });
  }
  await settingsStore.lockRules(tx);
  const current = await settingsStore.rules(tx);
  const refused = refusedOver('rule set', current.version, change);
  if (refused) return err(refused);
  const version = current.version + 1;
  await settingsStore.insertRules(tx, version, checked.rules, change.by, change.at);
  return ok({ version, value: checked.rules, changedBy: change.by, changedAt: change.at });
};

/**
 * A new roster, or a 400 naming what is wrong (unknown zone, bad time, staff the gateway never announced).
 * P9: an override's note is kept without access particulars, and `notes` tell the author
 * (docs/adr/0026, addendum of 2026-12-05, fourth session).
 */
export const replaceRoster = async (tx: EntityManager, given: Roster, change: Replacement): Promise<Result<{ roster: Versioned<Roster>; notes: string[] }, Failure>> => {
  const notes = given.overrides.map((o) => (o.note === undefined ? undefined : keptStaffText(o.note)));
  const roster: Roster = { ...given, overrides: given.overrides.map((o, i) => ({ ...o, ...(notes[i] ? { note: notes[i].text } : {}) })) };
  const ids = [...roster.shifts.map((s) => s.staffId), ...roster.overrides.map((o) => o.staffId)];
  const known = await staffProjection.activeIds(tx, ids);
  const problems = rosterProblems(roster, known);
  if (problems.length > 0) {
    return err({ kind: 'validation', detail: `Invalid roster: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`, extensions: { errors: problems.map((p) => ({ in: 'body', ...p })) } });
  }
  await settingsStore.lockRoster(tx);
  const current = await settingsStore.roster(tx);
  const refused = refusedOver('roster', current.version, change);
  if (refused) return err(refused);
  const version = current.version + 1;
  await settingsStore.insertRoster(tx, version, roster, change.by, change.at);
  const told = withheldNotes(notes.flatMap((kept, i) => (kept ? [{ what: `The note at /overrides/${i}/note`, kept }] : [])));
  return ok({ roster: { version, value: roster, changedBy: change.by, changedAt: change.at }, notes: told });
};
