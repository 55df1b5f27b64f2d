import type { PolicyHistoryEntry, StoredPolicyVersion } from '../store/policy.store';

/** A stored version as the policy routes show it (`SlaPolicyVersion`): no author, which partners may not see. */
export const toPolicyVersionView = (v: StoredPolicyVersion) => ({ scope: v.scope, version: v.version, createdAt: v.createdAt.toISOString(), policy: v.policy });

/** A version as the history shows it (`SlaPolicyHistoryEntry`): terms, or the removal of an agreement (no terms of its own). */
export const toPolicyHistoryEntryView = (entry: PolicyHistoryEntry) =>
  entry.removed
    ? { scope: entry.scope, version: entry.version, createdAt: entry.createdAt.toISOString(), removed: true }
    : { ...toPolicyVersionView(entry), removed: false };
