import type { EntityManager } from 'typeorm';
import { DEFAULT_POLICY, type PolicyVersion, type SlaPolicy } from '../domain/sla-policy';

const T = 'sla_timer.sla_policies';

/** A stored version with who wrote it and when (audit); the default's version 1 has no author. */
export interface StoredPolicyVersion extends PolicyVersion {
  createdAt: Date;
  createdBy: string | null;
}

/**
 * A version as a scope's history lists it: terms, or (`removed`) the end of a partner's agreement,
 * from which its terms are the default's. A removal keeps the terms it ended in `policy` (see
 * `appendRemoval`); nothing shows them as its own.
 */
export interface PolicyHistoryEntry extends StoredPolicyVersion {
  removed: boolean;
}

interface PolicyRow {
  scope: string;
  version: number;
  policy: SlaPolicy;
  created_at: Date;
  created_by: string | null;
  removed: boolean;
}

const toVersion = (row: PolicyRow): StoredPolicyVersion => ({
  scope: row.scope,
  version: row.version,
  policy: row.policy,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

const toEntry = (row: PolicyRow): PolicyHistoryEntry => ({ ...toVersion(row), removed: row.removed });

/** The rules' policy as version 1 of the default, for a schema whose seed row is missing. */
const RULES_VERSION: StoredPolicyVersion = { scope: 'default', version: 1, policy: DEFAULT_POLICY, createdAt: new Date(0), createdBy: null };

const COLUMNS = 'scope, version, policy, created_at, created_by, removed';
const NEWEST_SQL = `SELECT ${COLUMNS} FROM ${T} WHERE scope = $1 ORDER BY version DESC LIMIT 1`;
const EFFECTIVE_SQL = `(SELECT ${COLUMNS} FROM ${T} WHERE scope = $1 ORDER BY version DESC LIMIT 1)
  UNION ALL (SELECT ${COLUMNS} FROM ${T} WHERE scope = 'default' ORDER BY version DESC LIMIT 1)`;
/**
 * The newest version of each scope stored by `$2`, and the default's version 1 (the rules' terms,
 * in force before any version was stored). Each along the primary key; a scope has a few rows.
 */
const IN_FORCE_AT_SQL = `(SELECT ${COLUMNS} FROM ${T} WHERE scope = $1 AND created_at <= $2 ORDER BY version DESC LIMIT 1)
  UNION ALL (SELECT ${COLUMNS} FROM ${T} WHERE scope = 'default' AND created_at <= $2 ORDER BY version DESC LIMIT 1)
  UNION ALL (SELECT ${COLUMNS} FROM ${T} WHERE scope = 'default' AND version = 1)`;

/**
 * The newest versions of a partner's agreement and of the default, as `effectiveFor` reads them: with
 * their creation times, so a clock starting at an instant after both can be answered from them
 * (`termsAt`) without another statement.
 */
export interface NewestTerms {
  agreement?: PolicyHistoryEntry;
  default?: StoredPolicyVersion;
}

/** The terms in force for the partner from `newest`: its agreement unless that was dropped, else the default (the rules' if none is stored). */
const termsOf = (newest: NewestTerms): StoredPolicyVersion =>
  newest.agreement && !newest.agreement.removed ? withoutRemoved(newest.agreement) : (newest.default ?? RULES_VERSION);

const withoutRemoved = ({ removed: _removed, ...version }: PolicyHistoryEntry): StoredPolicyVersion => version;

/**
 * The terms in force for the partner at `at` if `newest` decides them: no version of either scope
 * was stored after `at` (a version stored at `at` itself is in force from it). Otherwise undefined:
 * ask `policyStore.inForceAt`.
 */
export const termsAt = (newest: NewestTerms, at: Date): StoredPolicyVersion | undefined => {
  const settled = (v: StoredPolicyVersion | undefined) => !v || v.createdAt.getTime() <= at.getTime();
  if (newest.agreement && !newest.agreement.removed && settled(newest.agreement)) return withoutRemoved(newest.agreement);
  return settled(newest.agreement) && settled(newest.default) ? termsOf(newest) : undefined;
};

/**
 * SLA policies and partners' agreements, versioned (issue #10): every write is a new version,
 * none is changed in place, so a clock can always read the version it started under. Dropping
 * an agreement is a version too (`removed`): the partner's terms are the default's from it on.
 */
export const policyStore = {
  /**
   * The policy a clock starting now for this partner runs under: the partner's agreement, else the
   * default (no agreement, or the newest version dropped it). One statement: the newest row of
   * each scope, each along the primary key.
   */
  async effectiveFor(tx: EntityManager, partnerId: string): Promise<PolicyVersion> {
    return termsOf(await policyStore.newestTerms(tx, partnerId));
  },

  /** The newest version of the partner's agreement (a removal included) and of the default, with their creation times. One statement. */
  async newestTerms(tx: EntityManager, partnerId: string): Promise<NewestTerms> {
    const rows: PolicyRow[] = await tx.query(EFFECTIVE_SQL, [partnerId]);
    const agreement = rows.find((r) => r.scope === partnerId && r.scope !== 'default');
    const defaults = rows.find((r) => r.scope === 'default');
    return { ...(agreement ? { agreement: toEntry(agreement) } : {}), ...(defaults ? { default: toVersion(defaults) } : {}) };
  },

  /**
   * The policy a clock that started at `at` runs under (docs/adr/0031, addendum of 2026-12-04,
   * fifth session): the partner's agreement version in force at that instant, unless it was a
   * removal or there was none, else the default's version in force then (its version 1 before any
   * was stored). Versions stored later, removals included, do not reach it. One statement.
   */
  async inForceAt(tx: EntityManager, partnerId: string, at: Date): Promise<StoredPolicyVersion> {
    const rows: PolicyRow[] = await tx.query(IN_FORCE_AT_SQL, [partnerId, at]);
    const agreement = rows.find((r) => r.scope === partnerId && r.scope !== 'default');
    const defaults = rows.filter((r) => r.scope === 'default');
    const byThen = defaults.filter((r) => r.created_at.getTime() <= at.getTime()).sort((a, b) => b.version - a.version)[0];
    const first = defaults.find((r) => r.version === 1);
    return termsOf({
      ...(agreement ? { agreement: toEntry(agreement) } : {}),
      default: byThen ? toVersion(byThen) : first ? toVersion(first) : RULES_VERSION,
    });
  },

  /** A stored version of terms, for a clock that keeps the version it started under (and for whoever reads that clock's terms). */
  async version(tx: EntityManager, scope: string, version: number): Promise<StoredPolicyVersion | undefined> {
    const rows: PolicyRow[] = await tx.query(`SELECT ${COLUMNS} FROM ${T} WHERE scope = $1 AND version = $2 AND NOT removed`, [scope, version]);
    if (rows[0]) return toVersion(rows[0]);
    return scope === 'default' && version === 1 ? RULES_VERSION : undefined;
  },

  /** One version as the history shows it: terms, or a removal. */
  async entry(tx: EntityManager, scope: string, version: number): Promise<PolicyHistoryEntry | undefined> {
    const rows: PolicyRow[] = await tx.query(`SELECT ${COLUMNS} FROM ${T} WHERE scope = $1 AND version = $2`, [scope, version]);
    if (rows[0]) return toEntry(rows[0]);
    return scope === 'default' && version === 1 ? { ...RULES_VERSION, removed: false } : undefined;
  },

  /** A page of a scope's versions, removals included, newest first, below `before` when given (keyset paging along the primary key). */
  async history(tx: EntityManager, scope: string, page: { before?: number; limit: number }): Promise<PolicyHistoryEntry[]> {
    const rows: PolicyRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM ${T}
        WHERE scope = $1 AND ($2::integer IS NULL OR version < $2) ORDER BY version DESC LIMIT $3`,
      [scope, page.before ?? null, page.limit],
    );
    return rows.map(toEntry);
  },

  /** The terms of a scope (`default` or a partner's id) in force: its newest version, unless that dropped the agreement. */
  async latest(tx: EntityManager, scope: string): Promise<StoredPolicyVersion | undefined> {
    const rows: PolicyRow[] = await tx.query(NEWEST_SQL, [scope]);
    return rows[0] && !rows[0].removed ? toVersion(rows[0]) : undefined;
  },

  /**
   * Every scope's terms in force (its newest version, unless that dropped the agreement), the
   * default's first, then by partner id. Read once at start (`reviewTermsInForce`).
   */
  async inForce(tx: EntityManager): Promise<StoredPolicyVersion[]> {
    const rows: PolicyRow[] = await tx.query(
      `SELECT DISTINCT ON (scope = 'default', scope) ${COLUMNS} FROM ${T} ORDER BY scope = 'default' DESC, scope, version DESC`,
    );
    return rows.filter((row) => !row.removed).map(toVersion);
  },

  async latestDefault(tx: EntityManager): Promise<StoredPolicyVersion> {
    return (await policyStore.latest(tx, 'default')) ?? RULES_VERSION;
  },

  /** Queues the scope's writers until the transaction ends (taken again by the same transaction, it does not wait). */
  async lockScope(tx: EntityManager, scope: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sla_timer.sla_policies'), hashtext($1))`, [scope]);
  },

  /**
   * Stores `policy` as the next version of `scope`. Writers of one scope queue on a transaction
   * lock, so two concurrent PUTs make two versions, never one number twice.
   */
  async append(tx: EntityManager, scope: string, policy: SlaPolicy, meta: { at: Date; by: string | null }): Promise<StoredPolicyVersion> {
    return toVersion(await insertNext(tx, scope, policy, false, meta));
  },

  /**
   * Drops a partner's agreement as its next version (`removed`). The row keeps the terms it ends:
   * a release that predates removals reads a scope's newest row as its agreement, and so runs on
   * those terms, rather than failing, while it rolls or after a rollback.
   */
  async appendRemoval(tx: EntityManager, ended: StoredPolicyVersion, meta: { at: Date; by: string }): Promise<PolicyHistoryEntry> {
    return toEntry(await insertNext(tx, ended.scope, ended.policy, true, meta));
  },
};

/** The scope's next version (after its newest, a removal included, so numbers never repeat), under the scope's lock. */
const insertNext = async (tx: EntityManager, scope: string, policy: SlaPolicy, removed: boolean, meta: { at: Date; by: string | null }): Promise<PolicyRow> => {
  await policyStore.lockScope(tx, scope);
  const newest = ((await tx.query(NEWEST_SQL, [scope])) as PolicyRow[])[0]?.version ?? (scope === 'default' ? 1 : 0);
  const rows: PolicyRow[] = await tx.query(
    `INSERT INTO ${T} (scope, version, policy, created_at, created_by, removed) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [scope, newest + 1, JSON.stringify(policy), meta.at, meta.by, removed],
  );
  return rows[0];
};
