import type { EntityManager } from 'typeorm';
import { DEFAULT_POLICY, type PolicyVersion, type SlaPolicy } from '../domain/sla-policy';

const T = 'sla_timer.sla_policies';

/** A stored version with who wrote it and when (audit); the default's version 1 has no author. */
export interface StoredPolicyVersion extends PolicyVersion {
  createdAt: Date;
  createdBy: string | null;
}

interface PolicyRow {
  scope: string;
  version: number;
  policy: SlaPolicy;
  created_at: Date;
  created_by: string | null;
}

const toVersion = (row: PolicyRow): StoredPolicyVersion => ({
  scope: row.scope,
  version: row.version,
  policy: row.policy,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

/** The rules' policy as version 1 of the default, for a schema whose seed row is missing. */
const RULES_VERSION: StoredPolicyVersion = { scope: 'default', version: 1, policy: DEFAULT_POLICY, createdAt: new Date(0), createdBy: null };

const LATEST_SQL = `SELECT scope, version, policy, created_at, created_by FROM ${T} WHERE scope = $1 ORDER BY version DESC LIMIT 1`;
const EFFECTIVE_SQL = `(SELECT scope, version, policy, created_at, created_by FROM ${T} WHERE scope = $1 ORDER BY version DESC LIMIT 1)
  UNION ALL (SELECT scope, version, policy, created_at, created_by FROM ${T} WHERE scope = 'default' ORDER BY version DESC LIMIT 1)`;

/**
 * SLA policies and partners' agreements, versioned (issue #10): every write is a new version,
 * none is changed in place, so a clock can always read the version it started under.
 */
export const policyStore = {
  /**
   * The policy a clock starting now for this partner runs under: the partner's agreement, else the
   * default. One statement: the latest of each scope, each along the primary key.
   */
  async effectiveFor(tx: EntityManager, partnerId: string): Promise<PolicyVersion> {
    const rows: PolicyRow[] = await tx.query(EFFECTIVE_SQL, [partnerId]);
    const row = rows.find((r) => r.scope === partnerId) ?? rows.find((r) => r.scope === 'default');
    return row ? toVersion(row) : RULES_VERSION;
  },

  /** A stored version, for a clock that keeps the version it started under (and for whoever reads that clock's terms). */
  async version(tx: EntityManager, scope: string, version: number): Promise<StoredPolicyVersion | undefined> {
    const rows: PolicyRow[] = await tx.query(`SELECT scope, version, policy, created_at, created_by FROM ${T} WHERE scope = $1 AND version = $2`, [scope, version]);
    if (rows[0]) return toVersion(rows[0]);
    return scope === 'default' && version === 1 ? RULES_VERSION : undefined;
  },

  /** A page of a scope's versions, newest first, below `before` when given (keyset paging along the primary key). */
  async history(tx: EntityManager, scope: string, page: { before?: number; limit: number }): Promise<StoredPolicyVersion[]> {
    const rows: PolicyRow[] = await tx.query(
      `SELECT scope, version, policy, created_at, created_by FROM ${T}
        WHERE scope = $1 AND ($2::integer IS NULL OR version < $2) ORDER BY version DESC LIMIT $3`,
      [scope, page.before ?? null, page.limit],
    );
    return rows.map(toVersion);
  },

  /** The latest version of a scope (`default` or a partner's id), if it has any. */
  async latest(tx: EntityManager, scope: string): Promise<StoredPolicyVersion | undefined> {
    const rows: PolicyRow[] = await tx.query(LATEST_SQL, [scope]);
    return rows[0] ? toVersion(rows[0]) : undefined;
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
    await policyStore.lockScope(tx, scope);
    const current = (await policyStore.latest(tx, scope))?.version ?? (scope === 'default' ? 1 : 0);
    const rows: PolicyRow[] = await tx.query(
      `INSERT INTO ${T} (scope, version, policy, created_at, created_by) VALUES ($1, $2, $3, $4, $5)
       RETURNING scope, version, policy, created_at, created_by`,
      [scope, current + 1, JSON.stringify(policy), meta.at, meta.by],
    );
    return toVersion(rows[0]);
  },
};
