import type { EntityManager } from 'typeorm';
import { transactionMemo } from '@tss/persistence';
import { DEFAULT_RULES, type EscalationRule } from '../domain/escalation-rules';
import { EMPTY_ROSTER, type Roster } from '../domain/roster';

export interface Versioned<T> {
  version: number;
  value: T;
  changedBy: string | null;
  changedAt: Date | null;
}

interface RosterJson {
  shifts: Roster['shifts'];
  overrides: (Omit<Roster['overrides'][number], 'from' | 'to'> & { from: string; to: string })[];
}

const rosterOfJson = (json: RosterJson): Roster => ({
  shifts: json.shifts,
  overrides: json.overrides.map((o) => ({ ...o, from: new Date(o.from), to: new Date(o.to) })),
});

const rosterToJson = (roster: Roster): RosterJson => ({
  shifts: roster.shifts,
  overrides: roster.overrides.map((o) => ({ ...o, from: o.from.toISOString(), to: o.to.toISOString() })),
});

/**
 * The rule set and the roster as one transaction first read them: a consumer batch runs every
 * handler in one transaction, so `ticket.created` and `sla.clock_started` of a hundred tickets read
 * the rules once, not once per event (issue #11, docs/adr/0047). A PUT in the same transaction
 * forgets what was read.
 */
const rulesRead = transactionMemo<'rules', Versioned<EscalationRule[]>>();
const rosterRead = transactionMemo<'roster', Versioned<Roster>>();

/**
 * The rule set and the roster: each PUT is a new version, the highest in force. Before the first
 * PUT the defaults are version 1 (rules) and an empty roster version 0. A PUT locks the table
 * before it reads the version it replaces, so two concurrent PUTs take turns.
 */
export const settingsStore = {
  async rules(tx: EntityManager): Promise<Versioned<EscalationRule[]>> {
    const rows: { version: number; rules: EscalationRule[]; changed_by: string; changed_at: Date }[] = await tx.query(
      `SELECT version, rules, changed_by, changed_at FROM escalation.rule_sets ORDER BY version DESC LIMIT 1`,
    );
    const r = rows[0];
    return r ? { version: r.version, value: r.rules, changedBy: r.changed_by, changedAt: r.changed_at } : { version: 1, value: [...DEFAULT_RULES], changedBy: null, changedAt: null };
  },

  /** `rules` read once per transaction (an event's rules in force: the version when its batch began). */
  rulesOfTransaction(tx: EntityManager): Promise<Versioned<EscalationRule[]>> {
    return rulesRead.read(tx, 'rules', () => settingsStore.rules(tx));
  },

  /** Taken before reading the version a PUT replaces: two PUTs take turns. */
  async lockRules(tx: EntityManager): Promise<void> {
    await tx.query(`LOCK TABLE escalation.rule_sets IN SHARE ROW EXCLUSIVE MODE`);
  },

  async insertRules(tx: EntityManager, version: number, rules: readonly EscalationRule[], by: string, at: Date): Promise<void> {
    await tx.query(`INSERT INTO escalation.rule_sets (version, rules, changed_by, changed_at) VALUES ($1, $2::jsonb, $3, $4)`, [version, JSON.stringify(rules), by, at]);
    rulesRead.forget(tx, 'rules');
  },

  async roster(tx: EntityManager): Promise<Versioned<Roster>> {
    const rows: { version: number; roster: RosterJson; changed_by: string; changed_at: Date }[] = await tx.query(
      `SELECT version, roster, changed_by, changed_at FROM escalation.rosters ORDER BY version DESC LIMIT 1`,
    );
    const r = rows[0];
    return r ? { version: r.version, value: rosterOfJson(r.roster), changedBy: r.changed_by, changedAt: r.changed_at } : { version: 0, value: EMPTY_ROSTER, changedBy: null, changedAt: null };
  },

  /** `roster` read once per transaction (the on-duty targets of every escalation a batch raises). */
  rosterOfTransaction(tx: EntityManager): Promise<Versioned<Roster>> {
    return rosterRead.read(tx, 'roster', () => settingsStore.roster(tx));
  },

  async lockRoster(tx: EntityManager): Promise<void> {
    await tx.query(`LOCK TABLE escalation.rosters IN SHARE ROW EXCLUSIVE MODE`);
  },

  async insertRoster(tx: EntityManager, version: number, roster: Roster, by: string, at: Date): Promise<void> {
    await tx.query(`INSERT INTO escalation.rosters (version, roster, changed_by, changed_at) VALUES ($1, $2::jsonb, $3, $4)`, [version, JSON.stringify(rosterToJson(roster)), by, at]);
    rosterRead.forget(tx, 'roster');
  },
};
